/**
 * Private-tracker policy for the announce route: a registered passkey in the URL, and a ratio
 * gate on `started`. Ratios come from receipt-verified totals in the store; the client's own
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

/** Hooks that refuse announces without a registered passkey, and `started` below `minRatio`. */
export function privateHooks(deps: PrivateHooksDeps): TrackerHooks {
  const { store, config } = deps;
  // Users are never deleted, so a passkey seen once stays valid: regular announces (most of the
  // traffic) skip the database; `started` still reads the current totals for the ratio gate.
  const known = new Set<string>();
  return {
    beforeAnnounce(ctx) {
      if (ctx.passkey === undefined || ctx.passkey === '') {
        return 'this is a private tracker: announce with the /announce/<passkey> URL you got at registration';
      }
      if (ctx.event !== 'started' && known.has(ctx.passkey)) return undefined;
      const user = store.userByPasskey(ctx.passkey);
      if (user === undefined) {
        return 'unknown passkey: register with POST /register and announce with the URL it returns';
      }
      known.add(ctx.passkey);
      if (ctx.event !== 'started') return undefined;
      const ratio = ratioOf(user);
      if (ratio !== null && ratio < config.minRatio) {
        return (
          `ratio ${ratio.toFixed(3)} (uploaded ${user.uploaded} B / downloaded ${user.downloaded} B) ` +
          `is below this tracker's minimum ${config.minRatio}: upload more before starting a download`
        );
      }
      return undefined;
    },
  };
}
