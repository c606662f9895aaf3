/**
 * The few tracker routes the load experiment calls outside its measured runs, through the
 * project's tracker client: registration (users whose passkeys the announces carry and whose
 * keys sign the receipts), `/health` and `/stats`.
 * @module
 */
import { TrackerClient, TrackerRefusal } from '../../src/client/tracker-client.ts';
import type { BlsBackend, KeyPair } from '../../src/receipts/index.ts';

/**
 * Registers `keys` as users `<prefix>-<i>` with proofs of possession; resolves with their
 * passkeys in order. Each proof costs about 30 ms here and as much again at the tracker, so
 * requests go out while the next proof is computed.
 */
export async function registerUsers(base: string, backend: BlsBackend, keys: readonly KeyPair[], prefix: string): Promise<string[]> {
  const client = new TrackerClient(base, { backend, timeoutMs: 30_000 });
  const requests: Promise<string>[] = [];
  for (const [i, key] of keys.entries()) {
    // The proof is made before this returns; the request is then in flight.
    const request = client.register(`${prefix}-${i}`, key).then(
      (registration) => registration.passkey,
      (error: unknown) => {
        const why = error instanceof TrackerRefusal ? `HTTP ${error.status} ${error.reason}` : error instanceof Error ? error.message : String(error);
        throw new Error(`registering ${prefix}-${i} failed: ${why}`, { cause: error });
      },
    );
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
  try {
    await new TrackerClient(base).health();
  } catch (error) {
    // An unreachable tracker's error already names the address and why.
    if (!(error instanceof TrackerRefusal)) throw error;
    throw new Error(`the tracker at ${base} answers GET /health with HTTP ${error.status}`);
  }
}

/** The tracker's count of spent receipt ids (`GET /stats`), or null when it does not say. */
export async function spentReceiptIds(base: string): Promise<number | null> {
  try {
    const stats = await new TrackerClient(base).stats();
    return typeof stats.spent_receipt_ids === 'number' ? stats.spent_receipt_ids : null;
  } catch {
    return null;
  }
}
