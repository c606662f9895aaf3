/**
 * Launches the native Anvil binary (`@foundry-rs/anvil-linux-amd64`) as a child process that can
 * never outlive its parent: a tiny shell watchdog holds a pipe from the parent and sends Anvil
 * SIGTERM (so it still dumps its state) when that pipe closes, which the kernel does even when the
 * parent is SIGKILLed. The watchdog `exec`s Anvil, so the child's PID is Anvil's own.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';

/** Anvil's default mnemonic; account `i` is `m/44'/60'/0'/0/i`, funded with 10,000 ETH. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/** How long `stop()` waits after SIGTERM (Anvil may be writing its state) before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** Output kept for error messages (Anvil logs every RPC call, so only the tail). */
const OUTPUT_TAIL = 8_192;

// fd 3 is the parent's pipe (stdin is re-pointed at it because POSIX sh gives a background list
// /dev/null as stdin). `read` returns non-zero at EOF, that is when the parent is gone or
// closed the pipe; `$$` in the subshell is the main shell's PID, which `exec` hands to Anvil.
const WATCHDOG =
  'exec 3<&0; (while read -r _ <&3; do :; done; kill -TERM $$ 2>/dev/null) >/dev/null 2>&1 </dev/null & ' +
  'exec "$0" "$@" 3<&- </dev/null';

/** Path of the native Anvil binary shipped by `@foundry-rs/anvil`. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil');
}

/** Anvil's funded dev account `index` (0-9 by default). */
export function anvilAccount(index = 0): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

/** Whether `pid` names a live process; a zombie (exited, not yet reaped by its parent) is not live. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No procfs (or the process just went): kill(0) answered.
    return true;
  }
}

/** Options of {@link launchAnvil}. */
export interface LaunchAnvilOptions {
  /** Port to listen on; default 0 (Anvil picks a free one and prints it). */
  port?: number;
  /** Listen address; default loopback. */
  host?: string;
  /** State file: loaded at start when it exists, written on SIGTERM (Anvil's `--state`). */
  state?: string;
  /** Also write `state` every this many seconds (`--state-interval`), so it survives a SIGKILL. */
  stateInterval?: number;
  /** Further Anvil arguments, e.g. `['--block-time', '1']`. */
  args?: readonly string[];
  /** How long to wait for "Listening on" (ms); default 20 s. */
  startTimeoutMs?: number;
}

/** A running Anvil process. */
export interface AnvilProcess {
  rpcUrl: string;
  port: number;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** The tail of what Anvil printed. */
  output(): string;
  /** SIGTERM (Anvil dumps `state` if given), SIGKILL after a grace period; resolves once it is gone. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: only a periodic `stateInterval` dump survives. Resolves once it is gone. */
  kill(): Promise<void>;
}

function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

function anvilArgs(options: LaunchAnvilOptions): string[] {
  // No CORS: a web page in a browser on this machine must not be able to talk to the node.
  const args = ['--port', String(options.port ?? 0), '--host', options.host ?? '127.0.0.1', '--no-cors'];
  if (options.state !== undefined) args.push('--state', options.state);
  if (options.stateInterval !== undefined) args.push('--state-interval', String(options.stateInterval));
  return [...args, ...(options.args ?? [])];
}

/** Starts Anvil and resolves once it listens; rejects (leaving no process) when it cannot. */
export async function launchAnvil(options: LaunchAnvilOptions = {}): Promise<AnvilProcess> {
  const binary = anvilBinaryPath();
  const child: ChildProcess = spawn('/bin/sh', ['-c', WATCHDOG, binary, ...anvilArgs(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
  };
  // Always drained: a full pipe would block Anvil, which logs every request.
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // After exit the pipe only keeps the watchdog alive: closing it lets the watchdog go.
  void exited.then(() => child.stdin!.destroy());
  child.stdin!.on('error', () => {});

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Anvil did not listen within ${options.startTimeoutMs ?? 20_000} ms:\n${output}`)),
        options.startTimeoutMs ?? 20_000,
      );
      const onData = () => {
        const match = /Listening on [^\s:]+:(\d+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(Number(match[1]));
      };
      child.stdout!.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`Anvil exited (code ${child.exitCode ?? child.signalCode}) before listening:\n${output}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  const pid = child.pid!;

  async function end(signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (!(await within(exited, STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        if (!(await within(exited, STOP_GRACE_MS))) throw new Error(`Anvil ${pid} survived SIGKILL`);
      }
    }
    await exited;
  }

  return {
    rpcUrl: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    pid,
    exited,
    output: () => output,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
