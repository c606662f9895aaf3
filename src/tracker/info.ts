/**
 * Open read-only routes: `GET /health` for probes and `GET /stats` for people, plus the samples
 * `/metrics` exposes.
 * @module
 */
import { Hono } from 'hono';
import type { Store } from '../store/index.ts';
import type { Sample } from './metrics.ts';
import type { Swarms } from './swarm.ts';

/** What the info routes read. */
export interface InfoDeps {
  swarms: Swarms;
  store: Store;
  /** Unix milliseconds of start-up. */
  startedAt: number;
}

/** `GET /health` and `GET /stats`. */
export function infoRoutes(deps: InfoDeps): Hono {
  return new Hono()
    .get('/health', (c) => c.json({ status: 'ok', uptime_seconds: Math.floor((Date.now() - deps.startedAt) / 1000) }))
    .get('/stats', (c) => {
      const swarm = deps.swarms.stats();
      const store = deps.store.stats();
      return c.json({
        torrents: swarm.torrents,
        peers: swarm.peers,
        seeders: swarm.seeders,
        leechers: swarm.leechers,
        users: store.users,
        uploaded_bytes: store.uploaded,
        downloaded_bytes: store.downloaded,
        reports: store.reports,
        spent_receipt_ids: store.spentIds,
      });
    });
}

/** Gauges and counters of the swarms and the store, for `/metrics`. */
export function infoSamples(deps: InfoDeps): Sample[] {
  const swarm = deps.swarms.stats();
  const store = deps.store.stats();
  return [
    { name: 'pbts_torrents', help: 'Torrents with at least one live peer.', type: 'gauge', value: swarm.torrents },
    { name: 'pbts_peers', help: 'Live peers over all torrents.', type: 'gauge', value: swarm.peers },
    { name: 'pbts_seeders', help: 'Live peers with nothing left to download.', type: 'gauge', value: swarm.seeders },
    { name: 'pbts_users', help: 'Registered users.', type: 'gauge', value: store.users },
    { name: 'pbts_reports_total', help: 'Receipt reports applied.', type: 'counter', value: store.reports },
    { name: 'pbts_uploaded_bytes_total', help: 'Bytes credited as uploaded, initial credit included.', type: 'counter', value: store.uploaded },
    { name: 'pbts_downloaded_bytes_total', help: 'Bytes debited as downloaded.', type: 'counter', value: store.downloaded },
    { name: 'pbts_spent_receipt_ids', help: 'Receipt ids kept against double spending.', type: 'gauge', value: store.spentIds },
  ];
}
