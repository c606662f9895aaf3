import { describe, expect, test } from 'vitest';
import type { TeeRuntime } from '../tee/runtime.ts';
import { teeRoutes } from './tee-routes.ts';

const NONCE = 'ab'.repeat(32);
const runtime = (mode: TeeRuntime['mode'], attest: TeeRuntime['attest']): TeeRuntime => ({
  mode,
  trustAnchor: null,
  measurement: null,
  warnings: [],
  attest,
});
const never = () => Promise.reject(new Error('not called'));

/** Every refusal of the TEE routes has the tracker's JSON shape: a code and a reason. */
async function expectRefusal(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toEqual({ error, reason: expect.any(String) });
  expect((body.reason as string).length).toBeGreaterThan(0);
}

describe('TEE route refusals', () => {
  test('error: a bad nonce is 400 { error: "bad_nonce", reason }', async () => {
    const app = teeRoutes({ tee: runtime('simulator', never) });
    for (const query of ['', '?nonce=xyz', `?nonce=${'ab'.repeat(15)}`]) {
      await expectRefusal(await app.request(`/tee/attestation${query}`), 400, 'bad_nonce');
    }
  });

  test('error: without a TEE the attestation is 503 { error: "no_tee", reason }', async () => {
    const app = teeRoutes({ tee: runtime('none', never) });
    await expectRefusal(await app.request(`/tee/attestation?nonce=${NONCE}`), 503, 'no_tee');
  });

  test('error: too many attestations in flight is 429 { error: "too_many_attestations", reason } with Retry-After', async () => {
    let release!: () => void;
    const gate = new Promise<never>((_, reject) => (release = () => reject(new Error('released'))));
    const app = teeRoutes({ tee: runtime('simulator', () => gate), maxInFlight: 1 });
    const original = console.error;
    console.error = () => {};
    try {
      const first = app.request(`/tee/attestation?nonce=${NONCE}`);
      const second = await app.request(`/tee/attestation?nonce=${NONCE}`);
      expect(second.headers.get('retry-after')).toBe('1');
      await expectRefusal(second, 429, 'too_many_attestations');
      release();
      await expectRefusal(await first, 502, 'tee_error');
    } finally {
      console.error = original;
    }
  });

  test('error: a TEE that fails to quote is 502 { error: "tee_error", reason } and the reason hides the cause', async () => {
    const app = teeRoutes({ tee: runtime('tee', () => Promise.reject(new Error('agent socket /run/secret gone'))) });
    const original = console.error;
    console.error = () => {};
    try {
      const response = await app.request(`/tee/attestation?nonce=${NONCE}`);
      expect(await response.clone().text()).not.toContain('/run/secret');
      await expectRefusal(response, 502, 'tee_error');
    } finally {
      console.error = original;
    }
  });
});
