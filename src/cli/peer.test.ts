import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TrackerClient } from '../client/tracker-client.ts';
import { parseMetainfo } from '../peer/index.ts';
import { type RunningTracker, startTracker } from '../tracker/server.ts';
import { readKeyFile, runKeygen } from './keys.ts';
import { runCreate } from './peer.ts';

const BIN = resolve(import.meta.dirname, '../../bin/pbts.js');
const INITIAL = 1024 ** 3;
const PIECE = 256 * 1024;
const SIZE = 8 * PIECE + 12_345;

/** `pbts ...args` as its own process, with what it printed. */
function pbts(args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, out: () => out, exited };
}

async function run(args: string[], env?: Record<string, string>): Promise<string> {
  const { out, exited } = pbts(args, env);
  const code = await exited;
  if (code !== 0) throw new Error(`pbts ${args.join(' ')} exited ${code}:\n${out()}`);
  return out();
}

// Each pbts process spends seconds loading the whole command through tsx.
const TIMEOUT = 90_000;

let dir: string;
let tracker: RunningTracker;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbts-cli-peer-'));
  tracker = await startTracker({ port: 0, host: '127.0.0.1', verifyWorkers: 1, backend: 'blst', config: { dataDir: join(dir, 'tracker') } });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await tracker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pbts create, seed and download', () => {
  test('default', async () => {
    const data = randomBytes(SIZE);
    writeFileSync(join(dir, 'data.bin'), data);
    // Keys as pbts keygen writes them; only the long-running commands get processes of their own.
    const client = new TrackerClient(tracker.url);
    const passkeys: string[] = [];
    for (const user of ['alice', 'bob']) {
      expect(runKeygen(['--out', join(dir, `${user}.json`)])).toBe(0);
      passkeys.push((await client.register(user, readKeyFile(join(dir, `${user}.json`)))).passkey);
    }
    const torrentFile = join(dir, 'data.bin.torrent');
    expect(await runCreate([join(dir, 'data.bin'), '--tracker', `${tracker.url}/`, '--piece-length', '262144', '--out', torrentFile])).toBe(0);
    const metainfo = parseMetainfo(readFileSync(torrentFile));
    expect(metainfo).toMatchObject({ name: 'data.bin', length: SIZE, pieceLength: PIECE, private: true, announce: [`${tracker.url}/announce`] });

    const common = ['data.bin.torrent', '--tracker', tracker.url];
    const seeder = pbts(['seed', ...common, '--dir', '.', '--key', 'alice.json', '--state', 'alice-state'], { PBTS_PASSKEY: passkeys[0]! });
    children.push(seeder.child);
    await expect.poll(seeder.out, { timeout: 15_000 }).toMatch(/pbts seed: data\.bin on 127\.0\.0\.1:\d+/);
    const download = await run(['download', ...common, '--dir', 'got', '--key', 'bob.json', '--state', 'bob-state', '--passkey', passkeys[1]!, '--exit-when-done']);
    expect(download).toMatch(/data\.bin: download complete/);
    // The last piece, under 16 KiB, can carry no receipt.
    expect(download).toMatch(/final: 9\/9 pieces \(100%\).*receipts signed 8/);
    expect(readFileSync(join(dir, 'got', 'data.bin')).equals(data)).toBe(true);

    seeder.child.kill('SIGTERM');
    expect(await seeder.exited).toBe(0);
    expect(seeder.out()).toMatch(/SIGTERM received, shutting down[\s\S]*final: 9\/9 pieces.*received 8, reported 8, credited 8 \(2\.0 MiB\)[\s\S]*pbts seed stopped/);
    expect(await client.user('alice')).toMatchObject({ uploaded: INITIAL + 8 * PIECE });
    expect(await client.user('bob')).toMatchObject({ downloaded: 8 * PIECE });
  }, TIMEOUT);

  test('error: missing options and a key file whose keys do not match', async () => {
    const { out, exited } = pbts(['seed', 'x.torrent', '--dir', '.']);
    expect(await exited).toBe(2);
    expect(out()).toMatch(/--passkey are required[\s\S]*Usage: pbts seed TORRENT/);
    const alice = JSON.parse(readFileSync(join(dir, 'alice.json'), 'utf8')) as Record<string, string>;
    const bob = JSON.parse(readFileSync(join(dir, 'bob.json'), 'utf8')) as Record<string, string>;
    writeFileSync(join(dir, 'mixed.json'), JSON.stringify({ ...alice, public_key: bob.public_key }));
    expect(() => readKeyFile(join(dir, 'mixed.json'))).toThrow(/public_key is not the secret key's/);
    expect(readKeyFile(join(dir, 'alice.json')).publicKey).toEqual(new Uint8Array(Buffer.from(alice.public_key!, 'hex')));
  }, TIMEOUT);
});
