/**
 * Public read route `GET /users/:id` and the public view of a user, shared by the routes that
 * answer with user totals. The view never carries the passkey.
 * @module
 */
import { Hono } from 'hono';
import { ratioOf, type Store, type UserRecord } from '../store/index.ts';

/** A user as anyone may see it. */
export interface UserView {
  user_id: string;
  /** 48-byte BLS public key, lowercase hex. */
  public_key: string;
  uploaded: number;
  downloaded: number;
  /** uploaded / downloaded; `null` before any download, since JSON has no Infinity. */
  ratio: number | null;
}

/** The public view of a user record. */
export function userView(user: UserRecord): UserView {
  return {
    user_id: user.userId,
    public_key: Buffer.from(user.publicKey).toString('hex'),
    uploaded: user.uploaded,
    downloaded: user.downloaded,
    ratio: ratioOf(user),
  };
}

/**
 * A user's totals as the chain holds them, per the store's record of confirmed batches (not a
 * chain read), and what is still on its way there.
 */
export interface ChainFigures {
  uploaded: number;
  downloaded: number;
  pending_uploaded: number;
  pending_downloaded: number;
}

/** The chain figures of a user record. */
export function chainFigures(user: UserRecord): ChainFigures {
  return {
    uploaded: user.chainUploaded,
    downloaded: user.chainDownloaded,
    pending_uploaded: user.uploaded - user.chainUploaded,
    pending_downloaded: user.downloaded - user.chainDownloaded,
  };
}

/** What {@link usersRoutes} needs. */
export interface UsersDeps {
  store: Store;
  /** Whether the tracker has a chain: then the view adds `chain` figures. */
  chain?: boolean;
}

/** `GET /users/:id`: a user's public view (with `chain` figures when there is a chain), 404 when unknown. */
export function usersRoutes(deps: UsersDeps): Hono {
  return new Hono().get('/users/:id', (c) => {
    const user = deps.store.userById(c.req.param('id'));
    if (user === undefined) {
      return c.json({ error: 'not_found', reason: 'no such user' }, 404);
    }
    return c.json(deps.chain ? { ...userView(user), chain: chainFigures(user) } : userView(user));
  });
}
