/**
 * The load experiment's load generator, in its own process: `node --import tsx
 * bench/load/generator.ts`. It reads one JSON command per line on stdin, drives autocannon
 * against a loopback tracker and answers one JSON line on stdout. It times every request itself
 * (autocannon's histogram keeps whole milliseconds and has no p95) and checks every announce
 * body, since trackers answer refusals with HTTP 200 and a bencoded failure reason.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { type LoadStats, type ReportStats, loopbackBase } from '../../src/bench/experiments/load.ts';
import { summarize } from '../../src/bench/stats.ts';
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
export type GeneratorReply = { id: number } & ({ ok: true; result?: GeneratorResult } | { ok: false; error: string });

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
    if (error.message === 'request timed out') this.timeouts++;
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

/** A started autocannon load and the promise of its end. */
interface Running {
  recorder: Recorder;
  instance: autocannon.Instance;
  done: Promise<void>;
}

function start(options: autocannon.Options, recorder: Recorder): Running {
  let instance!: autocannon.Instance;
  const done = new Promise<void>((resolve, reject) => {
    instance = autocannon(
      { pipelining: 1, timeout: REQUEST_TIMEOUT_S, sampleInt: 100, ...options },
      (error) => (error ? reject(error) : resolve()),
    );
  });
  recorder.begin();
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => recorder.response(status, ms));
  instance.on('reqError', (error: Error) => recorder.error(error));
  return { recorder, instance, done };
}

const reportSets = new Map<string, string[]>();

/**
 * The announce requests of each client: client c announces for peers c, c + n, c + 2n, ... (n
 * clients) in turn, so together they rotate over every peer and torrent. Each client's requests
 * are built once (autocannon then reuses their bytes): building a request per send costs the
 * generator as much CPU as the rest of a request.
 */
function clientRequests(load: AnnounceLoad): autocannon.Request[][] {
  const { peers, path } = announcePaths(load.workload);
  const groups = Math.min(load.clients, peers);
  return Array.from({ length: load.clients }, (_, c) => {
    const requests: autocannon.Request[] = [];
    for (let p = c % groups; p < peers; p += groups) requests.push({ path: path(p, load.started === true) });
    return requests;
  });
}

function announceLoad(target: string, load: AnnounceLoad, duration: number): Running {
  const perClient = clientRequests(load);
  let next = 0;
  const recorder = new Recorder();
  return start(
    {
      url: target,
      connections: load.clients,
      ...(load.amount === undefined ? { duration } : { amount: load.amount }),
      requests: [perClient[0]![0]!],
      setupClient: (client) => client.setRequests(perClient[next++ % perClient.length]!),
      verifyBody: (body) => {
        if (!body.includes('failure reason')) return true;
        recorder.failure();
        return false;
      },
    },
    recorder,
  );
}

function reportLoad(target: string, load: ReportLoad, onExhausted: () => void): Running {
  const bodies = reportSets.get(load.key);
  if (!bodies) throw new Error(`no report set "${load.key}" loaded`);
  reportSets.delete(load.key);
  let next = 0;
  return start(
    {
      url: target,
      connections: load.clients,
      amount: bodies.length,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => {
            const body = bodies[next++];
            // Never replay a report: a replay is refused (409) and measures nothing.
            if (body === undefined) {
              onExhausted();
              return { ...request, method: 'GET', path: '/health', body: '' };
            }
            request.path = '/report';
            request.body = body;
            return request;
          },
        },
      ],
    },
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

/** Stops `running` after `seconds`, marking it capped; returns the timer to clear. */
function cap(seconds: number, ...running: Running[]): NodeJS.Timeout {
  return setTimeout(() => {
    for (const { recorder, instance } of running) {
      recorder.capped = true;
      recorder.close(false);
      instance.stop();
    }
  }, seconds * 1000);
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
        reportSets.set(set.key, lines.slice(offset, offset + set.count));
        offset += set.count;
      }
      return undefined;
    }
    case 'announce': {
      const target = loopbackBase(command.target);
      return measure(async () => {
        const running = announceLoad(target, command.load, command.maxSeconds);
        const timer = cap(command.maxSeconds, running);
        await running.done.finally(() => clearTimeout(timer));
        running.recorder.close(true);
        return { announce: running.recorder.stats() };
      });
    }
    case 'reports': {
      const target = loopbackBase(command.target);
      return measure(async () => {
        let exhausted = false;
        const running = reportLoad(target, command.load, () => (exhausted = true));
        const timer = cap(command.maxSeconds, running);
        await running.done.finally(() => clearTimeout(timer));
        running.recorder.close(true);
        if (exhausted) throw new Error('ran out of pre-signed reports (a replay would be refused)');
        return { reports: reportStats(running.recorder, command.load.receiptsPerReport) };
      });
    }
    case 'mixed': {
      const target = loopbackBase(command.target);
      return measure(async () => {
        let exhausted = false;
        const announces = announceLoad(target, { ...command.announce, amount: undefined }, command.maxSeconds);
        const reports = reportLoad(target, command.reports, () => (exhausted = true));
        const timer = cap(command.maxSeconds, announces, reports);
        // The window is the reports' run: announces after the last report are not counted.
        await reports.done.finally(() => clearTimeout(timer));
        reports.recorder.close(true);
        announces.recorder.close(false);
        announces.instance.stop();
        await announces.done;
        if (exhausted) throw new Error('ran out of pre-signed reports (a replay would be refused)');
        return {
          announce: announces.recorder.stats(),
          reports: reportStats(reports.recorder, command.reports.receiptsPerReport),
        };
      });
    }
  }
}

function reply(message: GeneratorReply): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

// One command at a time, in order: runs must never overlap.
let queue = Promise.resolve();
const input = createInterface({ input: process.stdin });
input.on('close', () => void queue.then(() => process.exit(0)));
input.on('line', (line) => {
  queue = queue.then(async () => {
    let command: GeneratorCommand;
    try {
      command = JSON.parse(line) as GeneratorCommand;
    } catch {
      reply({ id: -1, ok: false, error: `not a JSON command: ${line.slice(0, 80)}` });
      return;
    }
    try {
      reply({ id: command.id, ok: true, result: await execute(command) });
    } catch (error) {
      reply({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
});
