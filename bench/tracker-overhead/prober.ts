/**
 * The tracker-overhead experiment's client, in its own process: `node --import tsx
 * bench/tracker-overhead/prober.ts`, driven like the load generator (one JSON command per line on
 * stdin, one JSON reply per line on stdout). It sends series of requests through the load
 * generator's keep-alive engine (`bench/load/http-load.ts`), registrations through the project's
 * tracker client, and dstack GetKey calls through the SDK; it times each request on its own and
 * checks every answer: a refusal fails the command, it is never timed as a success.
 * @module
 */
import { readFileSync } from 'node:fs';
import { DstackClient } from '@phala/dstack-sdk';
import { loopbackUrl } from '../../src/bench/loopback.ts';
import { TrackerClient } from '../../src/client/tracker-client.ts';
import { serveCommands } from '../load/commands.ts';
import { encodeGet, encodePost, runHttpLoad } from '../load/http-load.ts';
import { REQUEST_TIMEOUT_S } from '../load/workload.ts';

/** How an answer is checked. */
export type Expectation =
  | { kind: 'announce' }
  | { kind: 'report'; receipts: number }
  | { kind: 'attestation' };

/** What a series sends: GET paths, or the next `count` bodies of a loaded report set (each sent once). */
export type SeriesRequests = { get: string[] } | { reports: string; count: number };

/** What the bench asks for. */
export type ProberCommand = { id: number } & (
  | { type: 'load-reports'; key: string; files: string[]; count: number }
  | {
      type: 'series';
      target: string;
      clients: number;
      maxSeconds: number;
      requests: SeriesRequests;
      expect: Expectation;
      /** Return every answer's body (attestations to verify, report answers to follow on chain). */
      keepBodies?: boolean;
    }
  | { type: 'register'; target: string; users: ReadyUser[] }
  | { type: 'getkey'; endpoint: string; count: number; keys: { path: string; purpose: string }[] }
);

/** A user to register with both signatures made ahead (hex), so the prober times the request alone. */
export interface ReadyUser {
  userId: string;
  publicKey: string;
  pop: string;
  registrationSignature: string;
}

/** What a command measured: per-request latency and when each answer arrived (Unix ms, this machine's clock). */
export interface ProberResult {
  latencies_ms: number[];
  answered_at_ms: number[];
  bodies?: string[];
  passkeys?: string[];
}

const now = () => performance.timeOrigin + performance.now();
const reportSets = new Map<string, Buffer[]>();

/** Why an answer is a refusal, or undefined when it is what was asked for. */
function refusal(status: number, body: string, expect: Expectation): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  if (expect.kind === 'announce') return body.includes('failure reason') ? `announce failure: ${body.slice(0, 200)}` : undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `answer is not JSON: ${body.slice(0, 200)}`;
  }
  if (expect.kind === 'report' && json.accepted !== expect.receipts) {
    return `report accepted ${String(json.accepted)} of ${expect.receipts} receipts: ${body.slice(0, 200)}`;
  }
  if (expect.kind === 'attestation' && typeof json.quote !== 'string') return `attestation without a quote: ${body.slice(0, 200)}`;
  return undefined;
}

function requestsOf(command: Extract<ProberCommand, { type: 'series' }>, host: string): Buffer[] {
  const { requests } = command;
  if ('get' in requests) return requests.get.map((p) => encodeGet(p, host));
  const set = reportSets.get(requests.reports);
  if (!set || set.length < requests.count) {
    throw new Error(`report set "${requests.reports}" has ${set?.length ?? 0} unsent reports, ${requests.count} asked`);
  }
  return set.splice(0, requests.count).map((body) => encodePost('/report', host, body));
}

async function series(command: Extract<ProberCommand, { type: 'series' }>): Promise<ProberResult> {
  const url = new URL(loopbackUrl(command.target, 'tracker URL'));
  const requests = requestsOf(command, url.host);
  const result: ProberResult = { latencies_ms: [], answered_at_ms: [], ...(command.keepBodies && { bodies: [] }) };
  const refused: string[] = [];
  const errors: string[] = [];
  let cursor = 0;
  const load = runHttpLoad({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    connections: Math.min(command.clients, requests.length),
    amount: requests.length,
    maxSeconds: command.maxSeconds,
    timeoutMs: REQUEST_TIMEOUT_S * 1000,
    next: () => requests[cursor++],
    onResponse: (_client, status, body, ms) => {
      const text = body.toString('utf8');
      const why = refusal(status, text, command.expect);
      if (why) refused.push(why);
      result.latencies_ms.push(ms);
      result.answered_at_ms.push(now());
      result.bodies?.push(text);
    },
    onError: (_client, error) => errors.push(error.message),
  });
  await load.done;
  if (load.capped) throw new Error(`series capped after ${command.maxSeconds} s with ${result.latencies_ms.length} of ${requests.length} answers`);
  if (errors.length > 0) throw new Error(`${errors.length} request errors, first: ${errors[0]}`);
  if (refused.length > 0) throw new Error(`${refused.length} of ${requests.length} answers refused, first: ${refused[0]}`);
  if (result.latencies_ms.length !== requests.length) throw new Error(`${result.latencies_ms.length} answers to ${requests.length} requests`);
  return result;
}

async function register(command: Extract<ProberCommand, { type: 'register' }>): Promise<ProberResult> {
  const client = new TrackerClient(loopbackUrl(command.target, 'tracker URL'), { timeoutMs: REQUEST_TIMEOUT_S * 1000 });
  const result: ProberResult = { latencies_ms: [], answered_at_ms: [], passkeys: [] };
  for (const user of command.users) {
    const key = { publicKey: Buffer.from(user.publicKey, 'hex'), pop: Buffer.from(user.pop, 'hex'), registrationSignature: Buffer.from(user.registrationSignature, 'hex') };
    const started = performance.now();
    // A refusal throws (TrackerRefusal with the tracker's reason) and fails the command.
    const registration = await client.register(user.userId, key);
    result.latencies_ms.push(performance.now() - started);
    result.answered_at_ms.push(now());
    result.passkeys!.push(registration.passkey);
  }
  return result;
}

async function getKeys(command: Extract<ProberCommand, { type: 'getkey' }>): Promise<ProberResult> {
  const result: ProberResult = { latencies_ms: [], answered_at_ms: [] };
  for (let i = 0; i < command.count; i++) {
    const started = performance.now();
    // As the tracker at start-up: a client, then GetKey at each of its paths.
    const client = new DstackClient(command.endpoint);
    for (const { path, purpose } of command.keys) {
      const answer = await client.getKey(path, purpose, 'secp256k1');
      if (answer.key?.length !== 32 || answer.signature_chain.length === 0) throw new Error(`malformed GetKey(${path}) answer`);
    }
    result.latencies_ms.push(performance.now() - started);
    result.answered_at_ms.push(now());
  }
  return result;
}

async function execute(command: ProberCommand): Promise<ProberResult | undefined> {
  switch (command.type) {
    case 'load-reports': {
      const lines = command.files.flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean));
      if (lines.length !== command.count) throw new Error(`set ${command.key}: signed ${lines.length} reports, expected ${command.count}`);
      reportSets.set(command.key, lines.map((line) => Buffer.from(line)));
      return undefined;
    }
    case 'series':
      return series(command);
    case 'register':
      return register(command);
    case 'getkey':
      return getKeys(command);
  }
}

serveCommands<ProberCommand, ProberResult>(execute);
