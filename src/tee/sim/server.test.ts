import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { type DstackSimulator, startDstackSimulator } from './server.ts';

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(target: { socketPath: string } | { port: number }, method: string, urlPath: string, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, host: '127.0.0.1', method, path: urlPath }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const LISTEN_AND_WAIT = "require('node:net').createServer().listen(process.argv[1], () => console.log('listening'))";
const dir = mkdtempSync(path.join(tmpdir(), 'pbts-sim-server-test-'));
let sim: DstackSimulator | undefined;
const portOf = (s: DstackSimulator) => Number(new URL(s.endpoint).port);

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dstack simulator server', () => {
  test('default: listens on a fresh socket and an ephemeral loopback port, and cleans both up', async () => {
    sim = await startDstackSimulator({ seed: 'server-test' });
    expect(sim.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(sim.socketPath)).toBe(true);
    const { socketPath } = sim;
    await sim.close();
    await sim.close();
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(path.dirname(socketPath))).toBe(false);
  });

  test('behavior: replies carry Content-Length and are never chunked, on both transports', async () => {
    sim = await startDstackSimulator({ seed: 'server-test' });
    for (const target of [{ socketPath: sim.socketPath }, { port: portOf(sim) }]) {
      const reply = await raw(target, 'POST', '/GetQuote', '{"report_data":"01"}');
      expect(reply.status).toBe(200);
      expect(reply.headers['transfer-encoding']).toBeUndefined();
      expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.body));
      expect(reply.headers['content-type']).toBe('application/json');
      expect(JSON.parse(reply.body).report_data).toBe('01' + '00'.repeat(63));
    }
  });

  test('behavior: an empty body is {} and the collateral follows the injected clock', async () => {
    let now = Date.UTC(2027, 0, 10);
    sim = await startDstackSimulator({ seed: 'server-test', clock: () => now });
    expect(JSON.parse((await raw({ port: portOf(sim) }, 'POST', '/Version')).body).version).toBe('0.5.8');
    expect(JSON.parse(sim.collateral().tcb_info).issueDate).toBe('2027-01-09T00:00:00Z');
    now += 86_400_000;
    expect(JSON.parse(sim.collateral().tcb_info).issueDate).toBe('2027-01-10T00:00:00Z');
  });

  test('behavior: a stale socket file is reclaimed, and an explicit socket is removed on close', async () => {
    const socketPath = path.join(dir, 'stale.sock');
    // A process killed while listening leaves its socket file behind.
    const holder = spawn(process.execPath, ['-e', LISTEN_AND_WAIT, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => holder.stdout!.once('data', resolve));
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    expect(existsSync(socketPath)).toBe(true);
    sim = await startDstackSimulator({ seed: 'server-test', socketPath });
    expect((await raw({ socketPath }, 'POST', '/Version', '{}')).status).toBe(200);
    await sim.close();
    expect(existsSync(socketPath)).toBe(false);
  });

  test('behavior: the TEST ONLY warning is printed once per process', async () => {
    vi.resetModules();
    const fresh = await import('./server.ts');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const first = await fresh.startDstackSimulator({ seed: 'server-test' });
      const second = await fresh.startDstackSimulator({ seed: 'server-test' });
      await Promise.all([first.close(), second.close()]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('TEST ONLY');
    } finally {
      warn.mockRestore();
    }
  });

  test('error: bad JSON and unknown methods are 400 {error}; unknown GETs 404; other verbs 405', async () => {
    sim = await startDstackSimulator({ seed: 'server-test' });
    const target = { port: portOf(sim) };
    const badJson = await raw(target, 'POST', '/GetKey', '{');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body)).toHaveProperty('error');
    expect(JSON.parse((await raw(target, 'POST', '/GetKey', '[]')).body).error).toBe('request must be a JSON object');
    const unknown = await raw(target, 'POST', '/Attest', '{}');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error).toBe('Attest is not implemented by the pbts dstack simulator');
    expect((await raw(target, 'GET', '/nothing')).status).toBe(404);
    expect((await raw(target, 'PUT', '/GetKey', '{}')).status).toBe(405);
  });

  test('error: a socket path that is a file, or a live socket, is refused', async () => {
    const file = path.join(dir, 'not-a-socket');
    writeFileSync(file, 'x');
    await expect(startDstackSimulator({ seed: 'server-test', socketPath: file })).rejects.toThrow(/not a socket/);
    sim = await startDstackSimulator({ seed: 'server-test' });
    await expect(startDstackSimulator({ seed: 'server-test', socketPath: sim.socketPath })).rejects.toThrow(/in use/);
  });

  test('error: refuses to start with NODE_ENV=production', async () => {
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(startDstackSimulator({ seed: 'server-test' })).rejects.toThrow(/NODE_ENV=production/);
    } finally {
      if (saved === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved;
    }
  });
});
