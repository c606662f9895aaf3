/**
 * Experiment 4, load test (seed README section 4): tracker capacity with 10, 50 and 100
 * concurrent clients, announce-only and with receipt reports, then both at once; the peer tracker
 * (`bittorrent-tracker`'s server) takes the same announces in the same run. Trackers, load
 * generator and report signers each run in their own process. Options: PBTS_TRACKER_URL,
 * PBTS_CLIENTS, PBTS_REQUESTS, PBTS_LOAD_MODE, PBTS_LOAD_ANNOUNCES, PBTS_LOAD_MAX_REPORTS,
 * PBTS_LOAD_RECEIPTS_PER_REPORT, PBTS_LOAD_MAX_SECONDS, PBTS_QUICK (or the flags of
 * `pbts experiments load`).
 *
 * Each measured run is one benchmark with one sample: the time the run took for its fixed work
 * (N announces, M reports), so a throughput regression shows in the baseline gate as a longer
 * median. The run's throughput and latency figures, measured by the generator, reach the report
 * through `recordExtra`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import {
  type LoadConfig,
  type LoadRun,
  type LoadStats,
  type TrackerName,
  announcesPerRun,
  loadOptions,
  mixedShape,
  reportsPerRun,
} from '../src/bench/experiments/load/index.ts';
import { recordExtra } from '../src/bench/extras.ts';
import { samplesOf } from '../src/bench/harness.ts';
import { isQuick } from '../src/bench/options.ts';
import { currentEpoch, getBackend } from '../src/receipts/index.ts';
import {
  LoadGenerator,
  type Service,
  cpuSeconds,
  machineCpuSeconds,
  signReports,
  startService,
  stopProcess,
} from './load/processes.ts';
import { checkHealth, registerUsers, spentReceiptIds } from './load/tracker-api.ts';
import { type AnnounceSpec, NUMWANT, PIECE_SIZE, REQUEST_TIMEOUT_S, userKeys } from './load/workload.ts';

const EXPERIMENT = 'load';
const root = fileURLToPath(new URL('..', import.meta.url));
const options = loadOptions();
const cores = os.availableParallelism();
const withAnnounces = options.mode !== 'receipts';
const withReceipts = options.mode !== 'announce';
const mixed = options.mode === 'both' ? mixedShape(options) : undefined;
const warmupReports = isQuick() ? 4 : 20;

/** A tracker under load: where it listens and, when the bench started it, its process id. */
interface Target {
  url: string;
  pid: number | undefined;
}

interface Session {
  seed: string;
  tracker: Target;
  peer: Target | undefined;
  generator: LoadGenerator;
  passkeys: string[];
}

let session: Session | undefined;
/** Undo steps of the set-up, run in reverse by afterAll, also after a failed set-up. */
const cleanup: (() => Promise<unknown>)[] = [];
const runs: LoadRun[] = [];

function version(pkg: string): string {
  const json = JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
  return json.version;
}

/** Stops a tracker and requires a clean exit: a crash under load is a failed run. */
async function stopTracker(service: Service): Promise<void> {
  const code = await stopProcess(service.child);
  if (code !== 0) throw new Error(`${service.name} exited with code ${code} on SIGTERM:\n${service.output.slice(-10).join('\n')}`);
}

function workload(seed: string, passkeys: string[] | null): AnnounceSpec {
  return { seed, torrents: options.torrents, peersPerTorrent: options.peersPerTorrent, passkeys };
}

/** The tracker under test: the one given, after a health check, or a new one in private mode. */
async function startTracker(dir: string): Promise<Target> {
  if (options.trackerUrl) {
    await checkHealth(options.trackerUrl);
    return { url: options.trackerUrl, pid: undefined };
  }
  const dataDir = path.join(dir, 'tracker');
  mkdirSync(dataDir);
  const service = await startService(
    'pbts tracker',
    // No chain and no TEE: this measures the tracker's own capacity against a tracker that has
    // neither; the chain's costs are the onchain experiment's, the TEE's the tee experiment's.
    ['bin/pbts.js', 'tracker', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--mode', 'private',
      '--verify-workers', String(cores), '--chain', 'none', '--dstack', 'none'],
    /^pbts tracker listening on (http:\/\/\S+)/,
    { cwd: root },
  );
  cleanup.push(() => stopTracker(service));
  return { url: service.url, pid: service.child.pid };
}

async function startPeerTracker(): Promise<Target> {
  const service = await startService(
    'bittorrent-tracker',
    ['--import', 'tsx', path.join('bench', 'load', 'peer-tracker.ts')],
    /^bittorrent-tracker listening on (http:\/\/\S+)/,
    { cwd: root },
  );
  cleanup.push(() => stopTracker(service));
  return { url: service.url, pid: service.child.pid };
}

/**
 * Signs every report of every run before any run (so never inside one), once, in one signer
 * process per core, and hands them to the generator, which sends each exactly once.
 */
async function presignReports(generator: LoadGenerator, dir: string, seed: string): Promise<void> {
  const sets = [
    ...(withReceipts ? [{ key: 'warmup', count: warmupReports }] : []),
    ...(withReceipts ? options.clients.map((clients) => ({ key: `receipts-${clients}`, count: reportsPerRun(options, clients) })) : []),
    ...(mixed ? [{ key: 'mixed', count: mixed.reports }] : []),
  ];
  const count = sets.reduce((sum, set) => sum + set.count, 0);
  if (count === 0) return;
  const { users, torrents, receiptsPerReport } = options;
  const job = { seed, users, torrents, receiptsPerReport, epoch: currentEpoch(), first: 0, count };
  const files = await signReports(root, dir, job, cores);
  await generator.call({ type: 'load-reports', files, sets });
}

/** Not recorded: every peer's `started` announce on each tracker (JIT and swarms warm), a few reports. */
async function warmUp(s: Session): Promise<void> {
  const peers = options.torrents * options.peersPerTorrent;
  const clients = Math.min(options.clients.at(-1)!, peers);
  if (withAnnounces) {
    for (const [target, passkeys] of [[s.tracker, s.passkeys], [s.peer!, null]] as const) {
      const result = await s.generator.call({
        type: 'announce',
        target: target.url,
        maxSeconds: options.maxSeconds,
        load: { clients, amount: peers, workload: workload(s.seed, passkeys), started: true },
      });
      const problem = result?.announce && problems(result.announce);
      if (problem) throw new Error(`warm-up announces to ${target.url} failed: ${problem}`);
    }
  }
  if (withReceipts) {
    const result = await s.generator.call({
      type: 'reports',
      target: s.tracker.url,
      maxSeconds: options.maxSeconds,
      load: { clients: Math.min(2, warmupReports), key: 'warmup', receiptsPerReport: options.receiptsPerReport },
    });
    const problem = result?.reports && problems(result.reports);
    if (problem) throw new Error(`warm-up reports failed: ${problem}`);
  }
}

/** The set-up as the report prints it and the result file keeps it. */
function describeSetup(s: Session): LoadConfig {
  const given = options.trackerUrl !== undefined;
  const peers = options.torrents * options.peersPerTorrent;
  return {
    mode: options.mode,
    quick: isQuick(),
    clients: options.clients,
    announces_per_run: options.announces,
    requests_per_client: options.requests,
    max_reports: options.maxReports,
    receipts_per_report: options.receiptsPerReport,
    max_seconds: options.maxSeconds,
    reports_per_run: withReceipts
      ? Object.fromEntries(options.clients.map((clients) => [String(clients), reportsPerRun(options, clients)]))
      : {},
    mixed: mixed ? { announce_clients: mixed.announceClients, report_clients: mixed.reportClients, reports: mixed.reports } : null,
    tracker: { url: s.tracker.url, started_by_bench: !given, mode: given ? 'unknown' : 'private', verify_workers: given ? null : cores },
    peer_tracker: s.peer ? { name: 'bittorrent-tracker', version: version('bittorrent-tracker'), url: s.peer.url } : null,
    workload: {
      torrents: options.torrents,
      peers,
      users: options.users,
      numwant: NUMWANT,
      piece_size: PIECE_SIZE,
      warmup_announces: withAnnounces ? peers : 0,
    },
    generator: {
      tool: 'own HTTP/1.1 keep-alive client (bench/load/http-load.ts)',
      process: 'one Node process (bench/load/generator.ts)',
      pipelining: 1,
      timeout_s: REQUEST_TIMEOUT_S,
    },
    cores,
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pbts-load-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const seed = `load-${randomBytes(4).toString('hex')}`;
  const tracker = await startTracker(dir);
  const peer = withAnnounces ? await startPeerTracker() : undefined;
  const generator = LoadGenerator.start(root);
  cleanup.push(() => generator.close());
  // Users whose passkeys the announces carry and whose keys sign the receipts.
  const backend = getBackend('blst');
  const passkeys = await registerUsers(tracker.url, backend, userKeys(backend, seed, options.users), seed);
  await presignReports(generator, dir, seed);
  session = { seed, tracker, peer, generator, passkeys };
  await warmUp(session);
  recordExtra(EXPERIMENT, 'config', describeSetup(session), root);
}, 600_000);

afterAll(async () => {
  const errors: unknown[] = [];
  for (const undo of cleanup.reverse()) {
    try {
      await undo();
    } catch (error) {
      errors.push(error);
    }
  }
  cleanup.length = 0;
  if (errors.length > 0) throw errors[0];
}, 120_000);

/** Why a load's outcome is a failure, or undefined: no errors of any kind are expected. */
function problems(stats: LoadStats): string | undefined {
  const parts = [
    stats.errors > 0 && `${stats.errors} connection errors (${stats.timeouts} timeouts)`,
    stats.non2xx > 0 && `${stats.non2xx} non-2xx responses ${JSON.stringify(stats.status_codes)}`,
    stats.failures > 0 && `${stats.failures} bencoded failure responses`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function requireSession(): Session {
  if (!session) throw new Error('the load experiment did not set up (see the set-up error)');
  return session;
}

/**
 * Runs one load through the generator, measuring the tracker's CPU around it, records the run
 * (also a failed one) and throws when it failed.
 */
async function measuredRun(
  run: Omit<LoadRun, 'cpu' | 'announce' | 'reports'>,
  target: Target,
  command: Parameters<LoadGenerator['call']>[0],
): Promise<void> {
  const s = requireSession();
  const record: LoadRun = { ...run, cpu: null };
  try {
    const spentBefore = command.type === 'announce' ? null : await spentReceiptIds(target.url);
    const before = { tracker: cpuSeconds(target.pid), machine: machineCpuSeconds() };
    const t0 = performance.now();
    const result = await s.generator.call(command);
    const wall = (performance.now() - t0) / 1000;
    const after = { tracker: cpuSeconds(target.pid), machine: machineCpuSeconds() };
    if (!result) throw new Error('the generator returned no figures');
    const used = (from: number | null, to: number | null) => (from === null || to === null ? null : to - from);
    record.cpu = {
      wall_s: wall,
      generator_s: result.cpu_s,
      tracker_s: used(before.tracker, after.tracker),
      machine_s: used(before.machine, after.machine),
    };
    if (result.announce) record.announce = result.announce;
    if (result.reports) {
      const spentAfter = spentBefore === null ? null : await spentReceiptIds(target.url);
      const delta = spentBefore === null || spentAfter === null ? null : spentAfter - spentBefore;
      record.reports = { ...result.reports, tracker_spent_delta: delta };
      // A run stopped at its time cap drops the reports in flight unanswered, one per report
      // client at most, which the tracker may still have credited.
      const reportClients = command.type === 'mixed' ? command.reports.clients : command.type === 'reports' ? command.load.clients : 0;
      const inFlight = result.reports.capped ? reportClients * result.reports.receipts_per_report : 0;
      const counted = result.reports.verified_receipts;
      if (delta !== null && (delta < counted || delta > counted + inFlight)) {
        const allowance = inFlight > 0 ? ` (at most ${inFlight} more in flight at the time cap)` : '';
        record.error = `the tracker spent ${delta} receipt ids, the generator counted ${counted} accepted${allowance}`;
      }
    }
    const failure = [record.announce, record.reports].flatMap((stats) => (stats ? [problems(stats)] : [])).find(Boolean);
    record.error ??= failure;
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  }
  runs.push(record);
  recordExtra(EXPERIMENT, 'runs', runs, root);
  if (record.error) throw new Error(`${run.kind} run, ${run.tracker}, ${run.clients} clients: ${record.error}`);
}

function announceRun(tracker: TrackerName, clients: number): Promise<void> {
  const s = requireSession();
  const target = tracker === 'pbts' ? s.tracker : s.peer!;
  return measuredRun({ kind: 'announce', tracker, clients }, target, {
    type: 'announce',
    target: target.url,
    maxSeconds: options.maxSeconds,
    load: {
      clients,
      amount: announcesPerRun(options, clients),
      workload: workload(s.seed, tracker === 'pbts' ? s.passkeys : null),
    },
  });
}

describe('load', () => {
  if (withAnnounces) {
    // Ours and the peer alternate at each client count, so both see the same machine state.
    describe('announce', () => {
      for (const clients of options.clients) {
        bench(`${clients} clients`, async () => announceRun('pbts', clients), samplesOf(1, 0));
        bench(`${clients} clients, bittorrent-tracker`, async () => announceRun('bittorrent-tracker', clients), samplesOf(1, 0));
      }
    });
  }

  if (withReceipts) {
    describe('receipts', () => {
      for (const clients of options.clients) {
        bench(
          `${clients} clients`,
          async () => {
            const s = requireSession();
            await measuredRun({ kind: 'receipts', tracker: 'pbts', clients }, s.tracker, {
              type: 'reports',
              target: s.tracker.url,
              maxSeconds: options.maxSeconds,
              load: { clients, key: `receipts-${clients}`, receiptsPerReport: options.receiptsPerReport },
            });
          },
          samplesOf(1, 0),
        );
      }
    });
  }

  if (mixed) {
    // Receipt verification runs on worker threads: announces must keep flowing meanwhile.
    describe('mixed', () => {
      bench(
        `${mixed.announceClients} announce clients + ${mixed.reportClients} report clients`,
        async () => {
          const s = requireSession();
          await measuredRun(
            { kind: 'mixed', tracker: 'pbts', clients: mixed.announceClients, report_clients: mixed.reportClients },
            s.tracker,
            {
              type: 'mixed',
              target: s.tracker.url,
              maxSeconds: options.maxSeconds,
              announce: { clients: mixed.announceClients, workload: workload(s.seed, s.passkeys) },
              reports: { clients: mixed.reportClients, key: 'mixed', receiptsPerReport: options.receiptsPerReport },
            },
          );
        },
        samplesOf(1, 0),
      );
    });
  }
});
