/**
 * `POST /register`: a user brings a BLS public key and its proof of possession (the rogue-key
 * defence that makes aggregate verification sound) and receives a passkey for announcing.
 * @module
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  getBackend,
  parseHex,
  PUBLIC_KEY_LENGTH,
  ReceiptFormatError,
  SIGNATURE_LENGTH,
  type VerifyPool,
} from '../receipts/index.ts';
import { DuplicateUserError, type Store, type UserRecord } from '../store/index.ts';
import type { TrackerConfig } from './config.ts';

/** What {@link registerRoutes} needs; the pool checks proofs of possession off the event loop. */
export interface RegisterDeps {
  store: Store;
  config: Pick<TrackerConfig, 'initialCredit'>;
  pool: Pick<VerifyPool, 'backend' | 'verifyPop'>;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
}

/** Allowed user ids: 1 to 64 characters, safe in URLs and logs. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Largest accepted registration body; a valid one is under 400 bytes. */
export const MAX_REGISTER_BYTES = 4096;

type Refusal = 400 | 409 | 413;

function refuse(c: Context, status: Refusal, error: string, reason: string) {
  return c.json({ error, reason }, status);
}

/** `POST /register` `{ user_id, public_key, pop }` -> 201 with the passkey and announce path. */
export function registerRoutes(deps: RegisterDeps): Hono {
  const backend = getBackend(deps.pool.backend);
  const now = deps.now ?? Date.now;
  return new Hono().post(
    '/register',
    bodyLimit({
      maxSize: MAX_REGISTER_BYTES,
      onError: (c) => refuse(c, 413, 'body_too_large', `body over ${MAX_REGISTER_BYTES} bytes`),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return refuse(c, 400, 'bad_json', 'body is not valid JSON');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return refuse(c, 400, 'bad_request', 'body must be a JSON object');
      }
      const json = body as Record<string, unknown>;
      const userId = json.user_id;
      if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
        return refuse(c, 400, 'bad_user_id', 'user_id must be 1 to 64 characters of A-Z a-z 0-9 _ . -');
      }
      let publicKey: Uint8Array;
      let pop: Uint8Array;
      try {
        publicKey = parseHex(json, 'public_key', PUBLIC_KEY_LENGTH);
        pop = parseHex(json, 'pop', SIGNATURE_LENGTH);
      } catch (error) {
        if (!(error instanceof ReceiptFormatError)) throw error;
        return refuse(c, 400, `bad_${error.field}`, error.message);
      }
      // Cheap refusals first: the proof check below costs tens of milliseconds.
      if (deps.store.userById(userId) !== undefined) {
        return refuse(c, 409, 'user_exists', 'user_id already registered');
      }
      if (deps.store.userByPublicKey(publicKey) !== undefined) {
        return refuse(c, 409, 'key_exists', 'public_key already registered');
      }
      try {
        backend.validatePublicKey(publicKey);
      } catch (error) {
        return refuse(c, 400, 'bad_public_key', (error as Error).message);
      }
      // ~30 ms of pure JS (blst's binding cannot use the PoP tag): done on a worker thread.
      if (!(await deps.pool.verifyPop(publicKey, pop))) {
        return refuse(c, 400, 'bad_pop', 'pop is not a proof of possession of public_key');
      }
      let user: UserRecord;
      try {
        user = deps.store.createUser({
          userId,
          publicKey,
          uploaded: deps.config.initialCredit,
          now: now(),
        });
      } catch (error) {
        // A concurrent registration of the same user or key can win while the proof is checked.
        if (!(error instanceof DuplicateUserError)) throw error;
        const code = error.field === 'user_id' ? 'user_exists' : 'key_exists';
        return refuse(c, 409, code, error.message);
      }
      return c.json(
        {
          user_id: user.userId,
          passkey: user.passkey,
          announce_path: `/announce/${user.passkey}`,
          uploaded: user.uploaded,
          downloaded: user.downloaded,
        },
        201,
      );
    },
  );
}
