/**
 * The few tracker routes the load experiment calls outside its measured runs: registration
 * (users whose passkeys the announces carry and whose keys sign the receipts) and `/stats`.
 * @module
 */
import type { BlsBackend, KeyPair } from '../../src/receipts/index.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Registers `keys` as users `<prefix>-<i>` with proofs of possession; resolves with their
 * passkeys in order. Each proof costs about 30 ms here and as much again at the tracker, so
 * requests go out while the next proof is computed.
 */
export async function registerUsers(base: string, backend: BlsBackend, keys: readonly KeyPair[], prefix: string): Promise<string[]> {
  const requests: Promise<string>[] = [];
  for (const [i, key] of keys.entries()) {
    const body = JSON.stringify({ user_id: `${prefix}-${i}`, public_key: hex(key.publicKey), pop: hex(backend.popProve(key.secretKey)) });
    const request = (async () => {
      const response = await fetch(`${base}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const json = (await response.json()) as { passkey?: unknown; reason?: unknown };
      if (response.status !== 201 || typeof json.passkey !== 'string') {
        throw new Error(`registering ${prefix}-${i} failed: HTTP ${response.status} ${String(json.reason ?? '')}`);
      }
      return json.passkey;
    })();
    // Handled below, after every request went out; this only keeps Node from calling it unhandled meanwhile.
    request.catch(() => undefined);
    requests.push(request);
    // Let finished responses be read between proofs.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const settled = await Promise.allSettled(requests);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<string>).value);
}

/** Throws unless the tracker answers `GET /health` with 200. */
export async function checkHealth(base: string): Promise<void> {
  let status: number;
  try {
    status = (await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) })).status;
  } catch (error) {
    throw new Error(`no tracker answers at ${base}: ${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}`);
  }
  if (status !== 200) throw new Error(`the tracker at ${base} answers GET /health with HTTP ${status}`);
}

/** The tracker's count of spent receipt ids (`GET /stats`), or null when it does not say. */
export async function spentReceiptIds(base: string): Promise<number | null> {
  try {
    const response = await fetch(`${base}/stats`, { signal: AbortSignal.timeout(10_000) });
    const json = (await response.json()) as { spent_receipt_ids?: unknown };
    return typeof json.spent_receipt_ids === 'number' ? json.spent_receipt_ids : null;
  } catch {
    return null;
  }
}
