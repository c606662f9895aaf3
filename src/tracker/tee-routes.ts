/**
 * The tracker's TEE routes: `GET /tee/attestation?nonce=<hex>` (a fresh quote binding the
 * tracker's identity and the caller's 16-64 byte nonce) and `GET /tee/status`. Refusals follow
 * the tracker's format, `{ error: <code>, reason: <text> }`: 400 `bad_nonce`, 429
 * `too_many_attestations`, 502 `tee_error`, 503 `no_tee`.
 * @module
 */
import { Hono } from 'hono';
import { type Hex, NonceError, parseNonce } from '../tee/attestation.ts';
import { type TeeRuntime, teeStatus } from '../tee/runtime.ts';

/** What the TEE routes read. */
export interface TeeRouteDeps {
  tee: TeeRuntime;
  /** The tracker's Reputation contract once it exists (bound into attestations; zero before). */
  contractAddress?: () => Hex | undefined;
  /** The configured chain account, reported by `/tee/status` in mode `none`. */
  chainAccount?: Hex;
  /** Quotes generated at once at most; more get 429 (default 8). Each costs the TEE real work. */
  maxInFlight?: number;
}

/** `GET /tee/attestation` and `GET /tee/status`. */
export function teeRoutes(deps: TeeRouteDeps): Hono {
  const maxInFlight = deps.maxInFlight ?? 8;
  let inFlight = 0;
  return new Hono()
    .get('/tee/status', (c) => c.json(teeStatus(deps.tee, deps.chainAccount)))
    .get('/tee/attestation', async (c) => {
      let nonce: Uint8Array;
      try {
        nonce = parseNonce(c.req.query('nonce') ?? '');
      } catch (error) {
        if (error instanceof NonceError) return c.json({ error: 'bad_nonce', reason: error.message }, 400);
        throw error;
      }
      if (deps.tee.mode === 'none') {
        return c.json({ error: 'no_tee', reason: 'this tracker runs without a TEE and cannot attest' }, 503);
      }
      if (inFlight >= maxInFlight) {
        c.header('Retry-After', '1');
        return c.json({ error: 'too_many_attestations', reason: `${maxInFlight} attestations in progress; retry later` }, 429);
      }
      inFlight++;
      try {
        return c.json(await deps.tee.attest(nonce, deps.contractAddress?.()));
      } catch (error) {
        console.error('TEE attestation failed:', error);
        return c.json({ error: 'tee_error', reason: 'the TEE did not produce a quote' }, 502);
      } finally {
        inFlight--;
      }
    });
}
