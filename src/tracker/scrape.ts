/**
 * `GET /scrape`, `GET /scrape/:passkey` and `GET /:passkey/scrape` (BEP 48): counts for one or
 * more info hashes, once the hooks accept the passkey (a private tracker does not tell strangers
 * which torrents it tracks or how big their swarms are).
 * @module
 */
import { Hono, type Context } from 'hono';
import type { BencodeValue } from '../bencode/index.ts';
import { bencodedResponse, failure } from './bencode.ts';
import { isFailure, parseScrapeQuery, rawQuery, type TrackerEnv } from './query.ts';
import { PASSKEY_PATTERN, type TrackerHooks } from './hooks.ts';
import type { Swarms } from './swarm.ts';

/** What the scrape routes need. */
export interface ScrapeDeps {
  swarms: Swarms;
  hooks: Pick<TrackerHooks, 'beforeScrape'>;
  /** Unix time in seconds. */
  clock: () => number;
}

/** The scrape routes, to join with `app.route('/', ...)`. */
export function scrapeRoutes({ swarms, hooks, clock }: ScrapeDeps): Hono<TrackerEnv> {
  const handle = (c: Context<TrackerEnv>): Response | Promise<Response> => {
    const verdict = hooks.beforeScrape(c.req.param('passkey'));
    // Stay synchronous when the hooks are (as the announce route).
    return typeof verdict === 'object' ? verdict.then((refusal) => answer(c, refusal)) : answer(c, verdict);
  };
  const answer = (c: Context<TrackerEnv>, refusal: string | undefined): Response => {
    if (refusal !== undefined) return failure(refusal);
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
