/**
 * Public read route `GET /users/:id` and the public view of a user, shared by the routes that
 * answer with user totals. The view never carries the passkey.
 * @module
 */
import { Hono } from 'hono';
import type { Store, UserRecord } from '../store/index.ts';

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

/** uploaded / downloaded, or `null` when nothing was downloaded. */
export function ratioOf(user: Pick<UserRecord, 'uploaded' | 'downloaded'>): number | null {
  return user.downloaded === 0 ? null : user.uploaded / user.downloaded;
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

/** What {@link usersRoutes} needs. */
export interface UsersDeps {
  store: Store;
}

/** `GET /users/:id`: a user's public view, 404 when unknown. */
export function usersRoutes(deps: UsersDeps): Hono {
  return new Hono().get('/users/:id', (c) => {
    const user = deps.store.userById(c.req.param('id'));
    if (user === undefined) {
      return c.json({ error: 'not_found', reason: 'no such user' }, 404);
    }
    return c.json(userView(user));
  });
}
