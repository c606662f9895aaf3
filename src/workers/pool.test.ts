import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { EchoJob } from '../../fixtures/workers/echo-worker.ts';
import { WorkerPool, type WorkerPoolOptions } from './pool.ts';

const entry = new URL('../../fixtures/workers/echo-worker-entry.mjs', import.meta.url);
const pools: WorkerPool<EchoJob, unknown>[] = [];
const pool = (options: Partial<WorkerPoolOptions> = {}) => {
  const created = new WorkerPool<EchoJob, unknown>({ entry, size: 1, name: 'echo worker', ...options });
  pools.push(created);
  return created;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

test('default: a job is answered with the worker’s result, and its error rejects with the message', async () => {
  const echo = pool();
  await echo.ready();
  expect(await echo.run({ op: 'echo', value: { a: [1, 2] } })).toEqual({ a: [1, 2] });
  await expect(echo.run({ op: 'throw', message: 'no such thing' })).rejects.toThrow('no such thing');
});

test('behavior: what a job transfers moves to the worker and is detached here', async () => {
  const echo = pool();
  const bytes = new Uint8Array([1, 2, 3]);
  expect(await echo.run({ op: 'echo', value: bytes }, [bytes.buffer])).toEqual(new Uint8Array([1, 2, 3]));
  expect(bytes.byteLength).toBe(0);
});

test('behavior: errors are decoded by decodeError', async () => {
  class Refused extends Error {}
  const echo = pool({ decodeError: (error) => new Refused(`decoded: ${(error as { message: string }).message}`) });
  await expect(echo.run({ op: 'throw', message: 'x' })).rejects.toThrow(Refused);
});

test('behavior: jobs go to the least busy worker', async () => {
  const two = pool({ size: 2 });
  await two.ready();
  let slept = false;
  const slow = two.run({ op: 'sleep', ms: 300 }).then((ms) => ((slept = true), ms));
  const threads = new Set([await two.run({ op: 'thread' }), await two.run({ op: 'thread' })]);
  // Both quick jobs went to the idle worker: answered while the other still slept.
  expect(slept).toBe(false);
  expect(threads.size).toBe(1);
  expect(await slow).toBe(300);
});

test('error: a worker that dies fails the jobs it held, and the next job starts a fresh one', async () => {
  const echo = pool();
  const before = await echo.run({ op: 'thread' });
  const death = echo.run({ op: 'exit', code: 3 });
  const queuedBehind = echo.run({ op: 'echo', value: 'never run' });
  await expect(death).rejects.toThrow('the echo worker exited with code 3');
  await expect(queuedBehind).rejects.toThrow('the echo worker exited with code 3');
  const after = await echo.run({ op: 'thread' });
  expect(after).not.toBe(before);
  expect(await echo.run({ op: 'echo', value: 'alive' })).toBe('alive');
});

test('error: ready() rejects when a worker exits while starting, and jobs fail instead of hanging', async () => {
  const broken = pool({ workerData: { failStart: true } });
  await expect(broken.ready()).rejects.toThrow('the echo worker exited with code 7 while starting');
  await expect(broken.run({ op: 'echo', value: 1 })).rejects.toThrow(/exited with code 7/);
});

test('behavior: close lets jobs in flight finish, then refuses new ones', async () => {
  const echo = pool();
  await echo.ready();
  const inFlight = echo.run({ op: 'sleep', ms: 100 });
  await echo.close();
  expect(await inFlight).toBe(100);
  await expect(echo.run({ op: 'echo', value: 1 })).rejects.toThrow('the echo worker pool is closed');
});

test('behavior: close fails a job that outlives the grace period', async () => {
  const echo = pool({ closeGraceMs: 50 });
  await echo.ready();
  const stuck = echo.run({ op: 'sleep', ms: 5_000 });
  const closing = echo.close();
  await expect(stuck).rejects.toThrow('the echo worker was stopped by close() before answering');
  await closing;
});

test('behavior: a starting worker keeps the process alive until ready, an idle one does not', async () => {
  // A process with nothing else to do prints "ready" only if ready() resolved before it could exit,
  // and ends by itself afterwards (execFile's timeout would kill it otherwise).
  const dir = mkdtempSync(path.join(tmpdir(), 'pbts-pool-'));
  const script = path.join(dir, 'start.mjs');
  writeFileSync(
    script,
    `import { WorkerPool } from ${JSON.stringify(new URL('./pool.ts', import.meta.url).href)};
    const pool = new WorkerPool({ entry: new URL(${JSON.stringify(entry.href)}), size: 1, name: 'echo worker' });
    await pool.ready();
    console.log('ready');`,
  );
  try {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    expect(output.trim()).toBe('ready');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
