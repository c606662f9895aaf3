/**
 * Private-tracker policy for the announce and scrape routes: a registered passkey in the URL,
 * and a ratio gate on every announce that asks for something to download (`left` > 0, whatever
 * its event but `stopped`). Ratios come from receipt-verified totals in the store; the client's
 * own `uploaded`/`downloaded` announce fields are never read.
 * @module
 */
import { ratioOf, type Store } from '../store/index.ts';
import type { TrackerConfig } from './config.ts';
import type { TrackerHooks } from './hooks.ts';

/** What {@link privateHooks} needs. */
export interface PrivateHooksDeps {
  store: Pick<Store, 'userByPasskey'>;
  config: Pick<TrackerConfig, 'minRatio'>;
  /** Unix milliseconds; `Date.now` when omitted (tests inject one). */
  now?: () => number;
}

/**
 * How long a leecher's regular announces may use the totals last read for its passkey: the gate
 * reads the store at most once per passkey in this time (a `started` always reads it), so the
 * announce hot path does not query SQLite per announce. Totals change only through reports.
 */
export const RATIO_RECHECK_MS = 10_000;

const UNKNOWN_PASSKEY = 'unknown passkey: register with POST /register and announce with the URL it returns';

/** Hooks that refuse announces and scrapes without a registered passkey, and leechers below `minRatio`. */
export function privateHooks(deps: PrivateHooksDeps): TrackerHooks {
  const { store, config } = deps;
  const now = deps.now ?? Date.now;
  // Users are never deleted, so a passkey seen once stays valid: seeders' announces skip the
  // database; leechers' use the totals read within RATIO_RECHECK_MS (`started` reads them afresh).
  const known = new Set<string>();
  const totals = new Map<string, { uploaded: number; downloaded: number; readAt: number }>();
  /** The refusal of an unregistered passkey, or undefined once it is known registered. */
  const passkeyRefusal = (passkey: string): string | undefined => {
    if (known.has(passkey)) return undefined;
    if (store.userByPasskey(passkey) === undefined) return UNKNOWN_PASSKEY;
    known.add(passkey);
    return undefined;
  };
  return {
    beforeAnnounce(ctx) {
      if (ctx.passkey === undefined || ctx.passkey === '') {
        return 'this is a private tracker: announce with the /announce/<passkey> URL you got at registration';
      }
      // Seeding and leaving are never gated: only asking for peers to download from is.
      if (ctx.left === 0 || ctx.event === 'stopped') return passkeyRefusal(ctx.passkey);
      const at = now();
      let user = totals.get(ctx.passkey);
      if (user === undefined || ctx.event === 'started' || at - user.readAt >= RATIO_RECHECK_MS) {
        const record = store.userByPasskey(ctx.passkey);
        if (record === undefined) return UNKNOWN_PASSKEY;
        known.add(ctx.passkey);
        user = { uploaded: record.uploaded, downloaded: record.downloaded, readAt: at };
        totals.set(ctx.passkey, user);
      }
      const ratio = ratioOf(user);
      if (ratio !== null && ratio < config.minRatio) {
        return (
          `ratio ${ratio.toFixed(3)} (uploaded ${user.uploaded} B / downloaded ${user.downloaded} B) ` +
          `is below this tracker's minimum ${config.minRatio}: upload more before downloading (seeding is not gated)`
        );
      }
      return undefined;
    },
    beforeScrape(passkey) {
      if (passkey === undefined || passkey === '') {
        return 'this is a private tracker: scrape with /scrape/<passkey> (your /announce/<passkey> URL with "scrape" for "announce")';
      }
      return passkeyRefusal(passkey);
    },
  };
}
