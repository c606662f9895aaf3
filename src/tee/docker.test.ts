import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dockerAvailable } from './docker.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pbts-docker-probe-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

async function fakeEngine(name: string, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const socketPath = path.join(dir, name);
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return `unix://${socketPath}`;
}

describe('dockerAvailable', () => {
  test('default: an engine answering GET /_ping with 200 is available', async () => {
    const host = await fakeEngine('ok.sock', (req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK'));
    expect(await dockerAvailable({ host })).toBe(true);
  });

  test('behavior: no socket, a non-200 answer, or silence past the deadline is "no engine", within a second', async () => {
    const started = performance.now();
    expect(await dockerAvailable({ host: `unix://${path.join(dir, 'absent.sock')}` })).toBe(false);
    expect(await dockerAvailable({ host: await fakeEngine('500.sock', (_, res) => res.writeHead(500).end()) })).toBe(false);
    expect(await dockerAvailable({ host: await fakeEngine('silent.sock', () => {}), timeoutMs: 200 })).toBe(false);
    expect(await dockerAvailable({ host: 'ssh://somewhere' })).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
