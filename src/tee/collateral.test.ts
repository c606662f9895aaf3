import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Collateral } from '@phala/dcap-qvl';
import { afterAll, describe, expect, test } from 'vitest';
import {
  CollateralCache,
  type CollateralSource,
  CollateralUnavailableError,
  collateralFromFile,
  collateralKey,
  collateralNextUpdate,
} from './collateral.ts';
import { TD_ATTRIBUTES_PRODUCTION, buildTdxQuote } from './quote.ts';
import { SIM_TEE_TCB_SVN, createCollateral } from './sim/collateral.ts';
import { SIM_FMSPC, createMockPki } from './sim/pki.ts';
import { createQuotingEnclave } from './sim/quoting-enclave.ts';

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 10, 1);
const pki = createMockPki('collateral-source-test');
const zeros = (n: number) => new Uint8Array(n);
const quote = buildTdxQuote(
  { teeTcbSvn: SIM_TEE_TCB_SVN, tdAttributes: TD_ATTRIBUTES_PRODUCTION, mrTd: zeros(48), rtmrs: [zeros(48), zeros(48), zeros(48), zeros(48)], reportData: zeros(64) },
  createQuotingEnclave('collateral-source-test', pki),
);
const dir = mkdtempSync(path.join(tmpdir(), 'pbts-collateral-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A source that dates collateral by the time it is asked, and counts its calls. */
function countingSource(extra: Partial<Collateral & { pck_certificate_chain: string }> = {}) {
  const source: CollateralSource & { calls: number } = {
    description: 'counting',
    calls: 0,
    get: async (_quote, nowMs) => {
      source.calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { ...createCollateral(pki, nowMs).collateral, ...extra };
    },
  };
  return source;
}

describe('collateral sources', () => {
  test('default: the cache answers from memory until nextUpdate, then fetches again', async () => {
    const source = countingSource();
    const cache = new CollateralCache(source);
    const first = await cache.get(quote, NOW_MS);
    expect(collateralNextUpdate(first)).toBe(NOW_MS + 30 * DAY_MS);
    expect(await cache.get(quote, NOW_MS + 29 * DAY_MS)).toBe(first);
    expect(source.calls).toBe(1);
    expect(await cache.get(quote, NOW_MS + 30 * DAY_MS)).not.toBe(first);
    expect(source.calls).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 2 });
  });

  test('behavior: keyed by FMSPC and CA; concurrent misses share one fetch; the PCK chain is not cached', async () => {
    expect(collateralKey(quote)).toBe(`${SIM_FMSPC}/processor`);
    const source = countingSource({ pck_certificate_chain: 'platform specific' });
    const cache = new CollateralCache(source);
    const results = await Promise.all([cache.get(quote, NOW_MS), cache.get(quote, NOW_MS), cache.get(quote, NOW_MS)]);
    expect(source.calls).toBe(1);
    expect(results[0]).not.toHaveProperty('pck_certificate_chain');
  });

  test('behavior: a JSON file is an offline source', async () => {
    const file = path.join(dir, 'collateral.json');
    const collateral = createCollateral(pki, NOW_MS).collateral;
    writeFileSync(file, JSON.stringify(collateral));
    expect(await collateralFromFile(file).get(quote, NOW_MS)).toEqual(collateral);
  });

  test('error: a missing or malformed file, and a fetch failure, are CollateralUnavailableError', async () => {
    expect(() => collateralFromFile(path.join(dir, 'absent.json'))).toThrow(CollateralUnavailableError);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tcb_info: 1 }));
    expect(() => collateralFromFile(bad)).toThrow(/pck_crl_issuer_chain must be a string/);
    const failing = new CollateralCache({ description: 'down', get: () => Promise.reject(new Error('offline')) });
    await expect(failing.get(quote, NOW_MS)).rejects.toThrow('offline');
    await expect(failing.get(new Uint8Array(10), NOW_MS)).rejects.toThrow(CollateralUnavailableError);
  });
});
