/**
 * The load experiment's processes, each started by the bench and always stopped by it: the two
 * trackers, the load generator and the report signers (the tracker-overhead experiment starts its
 * own client process and signers through the same helpers).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { GeneratorCommand, GeneratorResult } from './generator.ts';
import type { ReportJob } from './workload.ts';

/** Lines kept from a process's output for error messages. */
const KEPT_LINES = 40;

/** A started process and the tail of its output. */
export interface Service {
  name: string;
  child: ChildProcess;
  /** The URL its ready line announced. */
  url: string;
  output: string[];
}

function keep(output: string[], line: string): void {
  output.push(line);
  if (output.length > KEPT_LINES) output.shift();
}

function tail(output: readonly string[]): string {
  return output.length === 0 ? '(no output)' : output.slice(-10).join('\n');
}

/**
 * Spawns `node ...args` and resolves once a stdout line matches `ready` (its first group is
 * the URL); rejects, after stopping the process, when it exits first or takes over `timeoutMs`.
 */
export async function startService(
  name: string,
  args: readonly string[],
  ready: RegExp,
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Service> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => keep(output, line));
  const lines = createInterface({ input: child.stdout! });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${tail(output)}`)),
        options.timeoutMs ?? 30_000,
      );
      lines.on('line', (line) => {
        keep(output, line);
        const match = ready.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal}):\n${tail(output)}`));
      });
    });
    return { name, child, url, output };
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

/** CPU seconds a process has used so far, all threads (Linux /proc); null elsewhere. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm)": state is the 1st, utime the 12th, stime the 13th (clock ticks of 1/100 s).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds all cores have been busy so far (Linux /proc/stat); null elsewhere. */
export function machineCpuSeconds(): number | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return null;
  }
}

type Pending<Result> = { resolve: (result: Result | undefined) => void; reject: (error: Error) => void };

/**
 * A client process driven one JSON command per line, answering one JSON reply per line: the load
 * generator (`bench/load/generator.ts`, the default), or another experiment's client process
 * speaking the same protocol.
 */
export class LoadGenerator<Command extends { id: number } = GeneratorCommand, Result = GeneratorResult> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Result>>();
  private readonly output: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    private readonly name: string,
  ) {
    createInterface({ input: child.stderr! }).on('line', (line) => keep(this.output, line));
    createInterface({ input: child.stdout! }).on('line', (line) => this.onReply(line));
    child.once('exit', (code, signal) => {
      const error = new Error(`${name} exited (code ${code}, signal ${signal}):\n${tail(this.output)}`);
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    });
  }

  /** Starts `node --import tsx bench/load/generator.ts` in `root`. */
  static start(root: string): LoadGenerator {
    return LoadGenerator.startScript<GeneratorCommand, GeneratorResult>(root, path.join('bench', 'load', 'generator.ts'), 'load generator');
  }

  /** Starts `node --import tsx <script>` in `root`, a process speaking this protocol, called `name` in errors. */
  static startScript<C extends { id: number }, R>(root: string, script: string, name: string): LoadGenerator<C, R> {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    return new LoadGenerator<C, R>(child, name);
  }

  /** Sends a command; resolves with its result, rejects with the process's error. */
  call(command: DistributiveOmit<Command, 'id'>): Promise<Result | undefined> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.reject(new Error(`${this.name} is not running:\n${tail(this.output)}`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  private onReply(line: string): void {
    let reply: { id: number } & ({ ok: true; result?: Result } | { ok: false; error: string });
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      keep(this.output, line);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new Error(`${this.name}: ${reply.error}`));
  }

  /** Closes its stdin (it exits after the current command), SIGTERM if it lingers. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin!.end();
    const timer = setTimeout(() => void stopProcess(this.child, 5_000), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Signs `job.count` reports in `processes` parallel signer processes, writing one file each in
 * `dir`; resolves with the files in report order.
 */
export async function signReports(root: string, dir: string, job: ReportJob, processes: number): Promise<string[]> {
  const slices = Math.max(1, Math.min(processes, Math.ceil(job.count / 50)));
  const per = Math.ceil(job.count / slices);
  // About 0.5 ms per receipt on one core; generous, but bounded.
  const timeoutMs = 60_000 + (per * job.receiptsPerReport) * 5;
  const runs = Array.from({ length: slices }, async (_, i) => {
    const first = job.first + i * per;
    const count = Math.min(per, job.first + job.count - first);
    const out = path.join(dir, `reports-${first}.ndjson`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join('bench', 'load', 'sign.ts'), JSON.stringify({ ...job, first, count }), out],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const output: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => keep(output, line));
    const timer = setTimeout(() => void stopProcess(child, 2_000), timeoutMs);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    if (code !== 0) throw new Error(`report signer ${i} failed (code ${code}):\n${tail(output)}`);
    return out;
  });
  // Wait for every signer, so none is left running when one fails.
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<string>).value);
}
