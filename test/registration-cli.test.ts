// The registration policy from the command line: `pbts tracker --registration ...` and its
// refusal-limit flags, `pbts invite create|list|revoke` and `pbts register --invite` / `--admin`,
// each as its own process, as an operator and a member run them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getJson } from '../fixtures/pbts-client.ts';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import { getBackend, keyPairFromSeed } from '../src/receipts/index.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/pbts.js');
const ADMIN = 'registration-cli-admin';
const bls = getBackend('blst');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Runs `pbts ...args`; resolves with the exit code and output, never throws on a non-zero exit. */
async function pbts(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, PBTS_ADMIN_TOKEN: '', ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('registration policy from the command line', () => {
  let dir: string;
  let tracker: TrackerProcess;
  const keyFile = (name: string, index: number) => {
    const keys = keyPairFromSeed(bls, 'registration-cli', index);
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ public_key: hex(keys.publicKey), secret_key: hex(keys.secretKey), pop: hex(bls.popProve(keys.secretKey)) }));
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pbts-registration-cli-'));
    tracker = await spawnTracker(path.join(dir, 'data'), ['--chain', 'none', '--dstack', 'none', '--verify-workers', '1', '--registration', 'invite',
      '--registration-refusal-burst', '4', '--registration-refusals-per-minute', '2', '--registration-checks-per-verifier', '3'], 20_000, { PBTS_ADMIN_TOKEN: ADMIN });
  });
  afterAll(async () => {
    await tracker?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('behavior: --registration invite and the registration-limit flags reach the tracker, which says its policy at start', async () => {
    expect(await getJson(`${tracker.url}/config`)).toMatchObject({
      registration: 'invite',
      registration_refusal_burst: 4,
      registration_refusals_per_minute: 2,
      registration_checks_per_verifier: 3,
    });
    expect(tracker.output()).toContain('registration invite');
  });

  test('behavior: pbts invite create prints a code that pbts register --invite uses once; pbts invite list shows it used', async () => {
    const created = await pbts(['invite', 'create', '--tracker', tracker.url, '--note', 'for carol', '--expires', '3600'], { PBTS_ADMIN_TOKEN: ADMIN });
    expect(created.code).toBe(0);
    const code = /^(inv_\S{24})/m.exec(created.out)![1]!;
    const carol = keyFile('carol', 1);
    const without = await pbts(['register', '--tracker', tracker.url, '--user', 'carol', '--key', carol]);
    expect(without).toMatchObject({ code: 1, out: expect.stringContaining('403 invite_required') });
    const registered = await pbts(['register', '--tracker', tracker.url, '--user', 'carol', '--key', carol, '--invite', code]);
    expect(registered.code).toBe(0);
    expect(registered.out).toMatch(/passkey [0-9a-f]{32}/);
    const reused = await pbts(['register', '--tracker', tracker.url, '--user', 'dave', '--key', keyFile('dave', 2), '--invite', code]);
    expect(reused).toMatchObject({ code: 1, out: expect.stringContaining('400 invite_used') });
    const listed = await pbts(['invite', 'list', '--tracker', tracker.url], { PBTS_ADMIN_TOKEN: ADMIN });
    expect(listed.out).toMatch(/invite \d+, used, by carol/);
    expect(listed.out).not.toContain(code);
  }, 90_000);

  test('behavior: pbts register --admin registers without an invite; pbts invite revoke revokes', async () => {
    const admin = await pbts(['register', '--tracker', tracker.url, '--user', 'erin', '--key', keyFile('erin', 3), '--admin'], { PBTS_ADMIN_TOKEN: ADMIN });
    expect(admin.code).toBe(0);
    const created = await pbts(['invite', 'create', '--tracker', tracker.url], { PBTS_ADMIN_TOKEN: ADMIN });
    const id = /\(invite (\d+), unused/.exec(created.out)![1]!;
    const revoked = await pbts(['invite', 'revoke', id, '--tracker', tracker.url], { PBTS_ADMIN_TOKEN: ADMIN });
    expect(revoked.out).toContain(`invite ${id}, revoked`);
    const noToken = await pbts(['invite', 'list', '--tracker', tracker.url]);
    expect(noToken.code).toBe(2);
  }, 90_000);

  test('error: an unknown --registration stops the tracker with a message', async () => {
    await expect(spawnTracker(path.join(dir, 'other'), ['--chain', 'none', '--dstack', 'none', '--registration', 'public'])).rejects.toThrow(/--registration must be open, invite or closed/);
  });
});
