/**
 * `GET /scrape` and `GET /scrape/:passkey` (BEP 48): counts for one or more info hashes.
 * @module
 */
import { Hono, type Context } from 'hono';
import { bencodedResponse, failure, type BencodeValue } from './bencode.ts';
import { isFailure, parseScrapeQuery, rawQuery, type TrackerEnv } from './query.ts';
import { PASSKEY_PATTERN } from './hooks.ts';
import type { Swarms } from './swarm.ts';

/** What the scrape routes need. */
export interface ScrapeDeps {
  swarms: Swarms;
  /** Unix time in seconds. */
  clock: () => number;
}

/** The scrape routes, to join with `app.route('/', ...)`. The passkey is accepted, not checked. */
export function scrapeRoutes({ swarms, clock }: ScrapeDeps): Hono<TrackerEnv> {
  const handle = (c: Context<TrackerEnv>): Response => {
    const query = parseScrapeQuery(rawQuery(c));
    if (isFailure(query)) return failure(query.failure);
    const counts = swarms.scrape(query.infohashes, clock());
    const files: Record<string, BencodeValue> = {};
    // `files` is keyed by the raw 20-byte info hash; one char per byte for the encoder.
    query.infohashes.forEach((infohash, i) => {
      files[infohash.toString('latin1')] = { ...counts[i]! };
    });
    return bencodedResponse({ files });
  };
  return new Hono<TrackerEnv>()
    .get('/scrape', handle)
    .get('/scrape/:passkey', handle)
    .get(`/:passkey{${PASSKEY_PATTERN}}/scrape`, handle);
}
