/**
 * Private-tracker policy for the announce and scrape routes: a registered passkey in the URL,
 * and a ratio gate on `started`. Ratios come from receipt-verified totals in the store; the client's own
 * `uploaded`/`downloaded` announce fields are never read.
 * @module
 */
import type { Store } from '../store/index.ts';
import type { TrackerConfig } from './config.ts';
import type { TrackerHooks } from './hooks.ts';
import { ratioOf } from './users.ts';

/** What {@link privateHooks} needs. */
export interface PrivateHooksDeps {
  store: Pick<Store, 'userByPasskey'>;
  config: Pick<TrackerConfig, 'minRatio'>;
}

const UNKNOWN_PASSKEY = 'unknown passkey: register with POST /register and announce with the URL it returns';

/** Hooks that refuse announces and scrapes without a registered passkey, and `started` below `minRatio`. */
export function privateHooks(deps: PrivateHooksDeps): TrackerHooks {
  const { store, config } = deps;
  // Users are never deleted, so a passkey seen once stays valid: regular announces (most of the
  // traffic) skip the database; `started` still reads the current totals for the ratio gate.
  const known = new Set<string>();
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
      if (ctx.event !== 'started') return passkeyRefusal(ctx.passkey);
      const user = store.userByPasskey(ctx.passkey);
      if (user === undefined) return UNKNOWN_PASSKEY;
      known.add(ctx.passkey);
      const ratio = ratioOf(user);
      if (ratio !== null && ratio < config.minRatio) {
        return (
          `ratio ${ratio.toFixed(3)} (uploaded ${user.uploaded} B / downloaded ${user.downloaded} B) ` +
          `is below this tracker's minimum ${config.minRatio}: upload more before starting a download`
        );
      }
      return undefined;
    },
    beforeScrape(passkey) {
      if (passkey === undefined || passkey === '') {
        return 'this is a private tracker: scrape with /<passkey>/scrape (your /<passkey>/announce URL with "scrape" for "announce")';
      }
      return passkeyRefusal(passkey);
    },
  };
}
