/**
 * The client-download experiment's peer processes, each started by the bench and always
 * stopped by it: `node --import tsx bench/client-download/peer-process.ts <config>`, driven by
 * JSON lines (`protocol.ts`).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stopProcess } from '../load/processes.ts';
import type { PeerCommand, PeerConfig, PeerCounters, PeerEvent } from './protocol.ts';

/** Lines of a process's stderr kept for error messages. */
const KEPT_LINES = 40;

type Waiter = { kind: PeerEvent['event']; resolve: (event: PeerEvent) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/** One peer process. */
export class PeerProcess {
  /** Warnings the peer emitted. */
  readonly warnings: string[] = [];
  private readonly output: string[] = [];
  private readonly events: PeerEvent[] = [];
  private readonly waiters: Waiter[] = [];
  private exited: string | undefined;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stderr! }).on('line', (line) => this.keep(line));
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    child.once('exit', (code, signal) => {
      this.exited = `${name} exited (code ${code}, signal ${signal})`;
      for (const waiter of this.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${this.exited} before "${waiter.kind}":\n${this.tail()}`));
      }
    });
  }

  /** Starts a peer process in `root`. */
  static start(root: string, name: string, config: PeerConfig): PeerProcess {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join('bench', 'client-download', 'peer-process.ts'), JSON.stringify(config)],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return new PeerProcess(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a command. */
  send(command: PeerCommand): void {
    if (this.exited) throw new Error(`${this.exited}:\n${this.tail()}`);
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** The next event of `kind` (one already received counts), or an error when the process exits, fails or takes over `timeoutMs`. */
  next<K extends PeerEvent['event']>(kind: K, timeoutMs: number): Promise<Extract<PeerEvent, { event: K }>> {
    const at = this.events.findIndex((event) => event.event === kind);
    if (at >= 0) return Promise.resolve(this.events.splice(at, 1)[0] as Extract<PeerEvent, { event: K }>);
    if (this.exited) return Promise.reject(new Error(`${this.exited} before "${kind}":\n${this.tail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.name}: no "${kind}" within ${Math.round(timeoutMs / 1000)} s:\n${this.tail()}`));
      }, timeoutMs);
      const waiter: Waiter = { kind, resolve: resolve as (event: PeerEvent) => void, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** The peer's counters now; null before its peer is open. */
  async stats(): Promise<PeerCounters | null> {
    this.send({ cmd: 'stats' });
    return (await this.next('stats', 5_000)).stats;
  }

  /** The peer's counters now, as one line for an error message; why not, when it cannot say. */
  async describe(): Promise<string> {
    try {
      const stats = await this.stats();
      if (!stats) return `${this.name}: not open`;
      return (
        `${this.name}: ${stats.piecesVerified}/${stats.pieces} pieces, uploaded ${stats.uploaded}, downloaded ${stats.downloaded}, ` +
        `receipts signed ${stats.receiptsSigned}, sent ${stats.receiptsSent}, received ${stats.receiptsReceived}, ` +
        `rejected ${stats.receiptsRejected}, reported ${stats.receiptsReported}, credited ${stats.receiptsCredited}`
      );
    } catch (error) {
      return `${this.name}: no stats (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    }
  }

  /**
   * The downloader's `done`, or an error when it takes over `timeoutMs` or its download stalls:
   * no byte more for `stallMs` (checked every second), the error saying how far each side got.
   */
  async whenDone(seeder: PeerProcess, timeoutMs: number, stallMs: number): Promise<Extract<PeerEvent, { event: 'done' }>> {
    const done = this.next('done', timeoutMs);
    done.catch(() => undefined);
    let last = -1;
    let since = performance.now();
    try {
      for (;;) {
        const result = await Promise.race([done, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000))]);
        if (result) return result;
        const bytes = (await this.stats())?.downloaded ?? 0;
        if (bytes !== last) [last, since] = [bytes, performance.now()];
        else if (performance.now() - since > stallMs) throw new Error(`the download stalled: no byte in ${stallMs / 1000} s`);
      }
    } catch (error) {
      const where = [await this.describe(), await seeder.describe()].join('; ');
      throw new Error(`${error instanceof Error ? error.message.split('\n')[0] : String(error)} (${where})`);
    }
  }

  /** Asks the peer to close, then SIGTERM (SIGKILL after a grace); resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    this.child.stdin!.end();
    const timer = setTimeout(() => void stopProcess(this.child, 5_000), 10_000);
    const [code] = await exited;
    clearTimeout(timer);
    return code;
  }

  /** The last lines the process wrote to stderr. */
  tail(): string {
    return this.output.length === 0 ? '(no output)' : this.output.slice(-10).join('\n');
  }

  private keep(line: string): void {
    this.output.push(line);
    if (this.output.length > KEPT_LINES) this.output.shift();
  }

  private onLine(line: string): void {
    let event: PeerEvent;
    try {
      event = JSON.parse(line) as PeerEvent;
    } catch {
      this.keep(line);
      return;
    }
    if (event.event === 'warning') {
      this.warnings.push(event.message);
      return;
    }
    if (event.event === 'error') {
      this.keep(event.message);
      const error = new Error(`${this.name}: ${event.message}`);
      for (const waiter of this.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
      return;
    }
    const at = this.waiters.findIndex((waiter) => waiter.kind === event.event);
    if (at < 0) {
      this.events.push(event);
      return;
    }
    const [waiter] = this.waiters.splice(at, 1);
    clearTimeout(waiter!.timer);
    waiter!.resolve(event);
  }
}
