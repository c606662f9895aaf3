/**
 * The tracker side of `--tracker-url`: whether on-chain figures can be measured through a running
 * tracker's HTTP API. The tracker commits reputation asynchronously through its durable outbox,
 * in batches: no request answers when a transaction is mined, so there is no per-request chain
 * latency to time over HTTP. The experiment says what the tracker exposes (`GET /chain/status`
 * where it has chain routes) and measures direct transactions only.
 * @module
 */
import type { TrackerMediated } from '../../src/bench/experiments/onchain/records.ts';

const ASYNC =
  'it commits reputation asynchronously through its outbox in batched transactions, so no request answers when a ' +
  'transaction is mined and there is no per-request chain latency to time over HTTP (timing an outbox commit, ' +
  'registration accepted to batch confirmed, is not part of this benchmark yet); the figures above are direct ' +
  "transactions from the bench's own account to a Reputation contract";

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: null };
  }
}

/** What the tracker at `url` exposes about its chain, and why tracker-mediated figures were not measured. */
export async function trackerMediated(url: string | undefined): Promise<TrackerMediated> {
  if (url === undefined) {
    return { tracker_url: null, measured: false, reachable: null, chain_status: null, reason: `no --tracker-url given; ${ASYNC}` };
  }
  const health = await getJson(`${url}/health`).catch(() => undefined);
  if (health?.status !== 200) {
    return { tracker_url: url, measured: false, reachable: false, chain_status: null, reason: 'the tracker did not answer GET /health' };
  }
  const chain = await getJson(`${url}/chain/status`).catch(() => undefined);
  if (chain?.status !== 200 || typeof chain.body !== 'object' || chain.body === null) {
    return {
      tracker_url: url,
      measured: false,
      reachable: true,
      chain_status: null,
      reason: `the tracker has no chain routes (GET /chain/status answered ${chain?.status ?? 'nothing'}); besides, ${ASYNC}`,
    };
  }
  return {
    tracker_url: url,
    measured: false,
    reachable: true,
    chain_status: chain.body,
    reason: `the tracker exposes GET /chain/status (recorded as chain_status), but ${ASYNC}`,
  };
}
