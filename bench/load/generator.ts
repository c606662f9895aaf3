/**
 * The load experiment's load generator, in its own process: `node --import tsx
 * bench/load/generator.ts`. It reads one JSON command per line on stdin, drives the load engine
 * of http-load.ts against a loopback tracker and answers one JSON line on stdout. It times every
 * request (from writing it to the last byte of its response, exact to the microsecond) and checks
 * every announce body, since trackers answer refusals with HTTP 200 and a bencoded failure reason.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { LoadStats, ReportStats } from '../../src/bench/experiments/load/index.ts';
import { loopbackUrl } from '../../src/bench/loopback.ts';
import { summarize } from '../../src/bench/stats.ts';
import { type CommandReply, serveCommands } from './commands.ts';
import { type HttpLoad, type HttpLoadOptions, TIMEOUT_MESSAGE, encodeGet, encodePost, runHttpLoad } from './http-load.ts';
import { type AnnounceSpec, REQUEST_TIMEOUT_S, announcePaths } from './workload.ts';

/** An announce load: `amount` requests, or until stopped when `amount` is absent. */
interface AnnounceLoad {
  clients: number;
  amount?: number;
  workload: AnnounceSpec;
  /** Every peer's first announce (`event=started`) rather than a regular update. */
  started?: boolean;
}

/** A report load: every body of the loaded set `key`, each sent once. */
interface ReportLoad {
  clients: number;
  key: string;
  receiptsPerReport: number;
}

/** What the bench asks for. */
export type GeneratorCommand = { id: number } & (
  | { type: 'announce'; target: string; maxSeconds: number; load: AnnounceLoad }
  | { type: 'load-reports'; files: string[]; sets: { key: string; count: number }[] }
  | { type: 'reports'; target: string; maxSeconds: number; load: ReportLoad }
  | { type: 'mixed'; target: string; maxSeconds: number; announce: AnnounceLoad; reports: ReportLoad }
);

/** What one run measured. */
export interface GeneratorResult {
  announce?: LoadStats;
  reports?: Omit<ReportStats, 'tracker_spent_delta'>;
  /** CPU seconds this process used over the run. */
  cpu_s: number;
}

/** The reply to a command. */
export type GeneratorReply = CommandReply<GeneratorResult>;

/** Responses of one load over its window: latencies, status codes, errors. */
class Recorder {
  readonly latencies: number[] = [];
  readonly statusCodes: Record<string, number> = {};
  errors = 0;
  timeouts = 0;
  non2xx = 0;
  failures = 0;
  capped = false;
  private open = true;
  private startedAt = performance.now();
  private lastAt = this.startedAt;
  private endedAt: number | undefined;

  /** Starts the window now: the load's clients are built and their first requests queued. */
  begin(): void {
    this.startedAt = this.lastAt = performance.now();
  }

  response(status: number, ms: number): void {
    if (!this.open) return;
    this.latencies.push(ms);
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    if (status < 200 || status > 299) this.non2xx++;
    this.lastAt = performance.now();
  }

  error(error: Error): void {
    if (!this.open) return;
    this.errors++;
    if (error.message === TIMEOUT_MESSAGE) this.timeouts++;
  }

  failure(): void {
    if (this.open) this.failures++;
  }

  /** Ends the window now (stop, cap), or at the last response when the work is done. */
  close(atLastResponse: boolean): void {
    if (!this.open) return;
    this.open = false;
    this.endedAt = atLastResponse ? this.lastAt : performance.now();
  }

  stats(): LoadStats {
    const seconds = ((this.endedAt ?? performance.now()) - this.startedAt) / 1000;
    if (this.latencies.length === 0) throw new Error(`no responses (${this.errors} connection errors, ${this.timeouts} timeouts)`);
    const s = summarize(this.latencies);
    return {
      requests: this.latencies.length,
      duration_s: seconds,
      throughput_rps: this.latencies.length / seconds,
      mean_ms: s.mean_ms,
      p50_ms: s.median_ms,
      p95_ms: s.p95_ms,
      p99_ms: s.p99_ms,
      min_ms: s.min_ms,
      max_ms: s.max_ms,
      errors: this.errors,
      timeouts: this.timeouts,
      non2xx: this.non2xx,
      failures: this.failures,
      status_codes: this.statusCodes,
      capped: this.capped,
    };
  }
}

/** A started load and what it measured. */
interface Running {
  recorder: Recorder;
  load: HttpLoad;
}

/** Where a load goes: connect address, and the Host header its requests carry. */
interface Target {
  host: string;
  port: number;
  /** The Host header, e.g. `127.0.0.1:8080`. */
  header: string;
}

function targetOf(raw: string): Target {
  const url = new URL(loopbackUrl(raw, 'tracker URL'));
  // URL keeps IPv6 hosts in brackets; net.connect wants them bare.
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), header: url.host };
}

/** Starts a load whose every response and error goes to `recorder`; `check` sees each body. */
function start(
  target: Target,
  options: Pick<HttpLoadOptions, 'connections' | 'amount' | 'maxSeconds' | 'next'>,
  recorder: Recorder,
  check?: (body: Buffer) => void,
): Running {
  const load = runHttpLoad({
    host: target.host,
    port: target.port,
    timeoutMs: REQUEST_TIMEOUT_S * 1000,
    ...options,
    onResponse: (_client, status, body, ms) => {
      recorder.response(status, ms);
      check?.(body);
    },
    onError: (_client, error) => recorder.error(error),
  });
  recorder.begin();
  return { recorder, load };
}

/** Closes the window of a finished load: at its last response, or now when it hit the cap. */
function settle({ recorder, load }: Running): void {
  if (load.capped) recorder.capped = true;
  recorder.close(!load.capped);
}

/** Report bodies loaded by `load-reports`, by set; each is sent once. */
const reportSets = new Map<string, Buffer[]>();

/**
 * The announce requests of each client: client c announces for peers c, c + n, c + 2n, ... (n
 * clients) in turn, so together they rotate over every peer and torrent. Each request is encoded
 * once and its bytes reused: building a request per send costs the generator more CPU than
 * sending it.
 */
function clientRequests(target: Target, load: AnnounceLoad): Buffer[][] {
  const { peers, path } = announcePaths(load.workload);
  const groups = Math.min(load.clients, peers);
  return Array.from({ length: load.clients }, (_, c) => {
    const requests: Buffer[] = [];
    for (let p = c % groups; p < peers; p += groups) requests.push(encodeGet(path(p, load.started === true), target.header));
    return requests;
  });
}

function announceLoad(target: Target, load: AnnounceLoad, maxSeconds: number): Running {
  const perClient = clientRequests(target, load);
  const sent = new Array<number>(load.clients).fill(0);
  const recorder = new Recorder();
  return start(
    target,
    {
      connections: load.clients,
      amount: load.amount,
      maxSeconds,
      next: (client) => {
        const requests = perClient[client]!;
        return requests[sent[client]!++ % requests.length];
      },
    },
    recorder,
    (body) => {
      if (body.includes('failure reason')) recorder.failure();
    },
  );
}

/** The requests of report set `key`, encoded before any window opens; the set is used up. */
function reportRequests(target: Target, key: string): Buffer[] {
  const bodies = reportSets.get(key);
  if (!bodies) throw new Error(`no report set "${key}" loaded`);
  reportSets.delete(key);
  return bodies.map((body) => encodePost('/report', target.header, body));
}

function reportLoad(target: Target, load: ReportLoad, requests: Buffer[], maxSeconds: number): Running {
  // `amount` and one shared cursor send each report exactly once: a replay is refused (409) and measures nothing.
  let cursor = 0;
  return start(
    target,
    { connections: load.clients, amount: requests.length, maxSeconds, next: () => requests[cursor++] },
    new Recorder(),
  );
}

function reportStats(recorder: Recorder, receiptsPerReport: number): Omit<ReportStats, 'tracker_spent_delta'> {
  const stats = recorder.stats();
  const accepted = Object.entries(stats.status_codes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    ...stats,
    receipts_per_report: receiptsPerReport,
    verified_receipts: accepted * receiptsPerReport,
    verified_receipts_per_s: (accepted * receiptsPerReport) / stats.duration_s,
  };
}

async function measure(run: () => Promise<Omit<GeneratorResult, 'cpu_s'>>): Promise<GeneratorResult> {
  const cpu = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return { ...result, cpu_s: (used.user + used.system) / 1e6 };
}

async function execute(command: GeneratorCommand): Promise<GeneratorResult | undefined> {
  switch (command.type) {
    case 'load-reports': {
      const lines = command.files.flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean));
      const wanted = command.sets.reduce((sum, set) => sum + set.count, 0);
      if (lines.length !== wanted) throw new Error(`signed ${lines.length} reports, expected ${wanted}`);
      let offset = 0;
      for (const set of command.sets) {
        reportSets.set(set.key, lines.slice(offset, offset + set.count).map((line) => Buffer.from(line)));
        offset += set.count;
      }
      return undefined;
    }
    case 'announce': {
      const target = targetOf(command.target);
      return measure(async () => {
        const running = announceLoad(target, command.load, command.maxSeconds);
        await running.load.done;
        settle(running);
        return { announce: running.recorder.stats() };
      });
    }
    case 'reports': {
      const target = targetOf(command.target);
      return measure(async () => {
        const running = reportLoad(target, command.load, reportRequests(target, command.load.key), command.maxSeconds);
        await running.load.done;
        settle(running);
        return { reports: reportStats(running.recorder, command.load.receiptsPerReport) };
      });
    }
    case 'mixed': {
      const target = targetOf(command.target);
      return measure(async () => {
        const requests = reportRequests(target, command.reports.key);
        const announces = announceLoad(target, { ...command.announce, amount: undefined }, command.maxSeconds);
        const reports = reportLoad(target, command.reports, requests, command.maxSeconds);
        // The window is the reports' run: announces after the last report are not counted.
        await reports.load.done;
        settle(reports);
        if (reports.load.capped) announces.recorder.capped = true;
        announces.recorder.close(false);
        announces.load.stop();
        await announces.load.done;
        if (announces.load.capped) announces.recorder.capped = true;
        return {
          announce: announces.recorder.stats(),
          reports: reportStats(reports.recorder, command.reports.receiptsPerReport),
        };
      });
    }
  }
}

serveCommands<GeneratorCommand, GeneratorResult>(execute);
