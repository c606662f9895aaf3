/**
 * `POST /register`: a user brings a BLS public key, its proof of possession (the rogue-key
 * defence that makes aggregate verification sound) and its signature over the registration
 * message (which binds the key to the user id: the proof alone names no user), and receives a
 * passkey for announcing. The registration policy decides who may (`open`, `invite` with a
 * single-use invite code, `closed` for the admin only); refused registrations are rate limited
 * per client address before the signatures are verified, and the checks running at once over
 * all addresses are bounded (`registration-limit.ts`).
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
  registrationMessage,
} from '../receipts/index.ts';
import {
  DuplicateUserError,
  InviteRefusedError,
  type Store,
  USER_ID_PATTERN,
  type UserRecord,
  inviteUnusable,
} from '../store/index.ts';
import { isAdmin } from './admin.ts';
import type { TrackerConfig } from './config.ts';
import { INVITE_CODE_PATTERN, inviteHash } from './invites.ts';
import { type TrackerEnv, incomingAddress, incomingOf, proxyTrust } from './query.ts';
import { RegistrationLimit } from './registration-limit.ts';
import { addressKey } from './report-guard.ts';

/** What {@link registerRoutes} needs; the pool checks the signatures off the event loop. */
export interface RegisterDeps {
  store: Store;
  /** Read live: `POST /config` may change the credit and the policy. */
  config: Pick<
    TrackerConfig,
    | 'initialCredit'
    | 'registration'
    | 'adminToken'
    | 'trustProxy'
    | 'registrationRefusalBurst'
    | 'registrationRefusalsPerMinute'
    | 'registrationChecksPerVerifier'
  >;
  pool: Pick<VerifyPool, 'backend' | 'size' | 'verify' | 'verifyPop'>;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
  /** The registration limits; new ones on `config` and the pool's size when omitted. */
  limit?: RegistrationLimit;
}

/** Largest accepted registration body; a valid one is under 400 bytes. */
export const MAX_REGISTER_BYTES = 4096;

type Refusal = 400 | 403 | 409 | 413 | 429 | 503;

function refuse(c: Context, status: Refusal, error: string, reason: string) {
  return c.json({ error, reason }, status);
}

const INVITE_REFUSALS = { unknown: 'bad_invite', used: 'invite_used', revoked: 'invite_revoked', expired: 'invite_expired' } as const;

const SIGNATURE_REFUSALS = {
  bad_registration_signature: "registration_signature is not public_key's signature over the registration message of this user_id",
  bad_pop: 'pop is not a proof of possession of public_key',
} as const;
type SignatureRefusal = keyof typeof SIGNATURE_REFUSALS;

/**
 * `POST /register` `{ user_id, public_key, pop, registration_signature, invite? }` -> 201 with the
 * passkey and announce path. With the admin token (`Authorization: Bearer <token>`) every policy
 * admits the request.
 */
export function registerRoutes(deps: RegisterDeps): Hono<TrackerEnv> {
  const backend = getBackend(deps.pool.backend);
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const limit = deps.limit ?? new RegistrationLimit({ config, now, verifiers: deps.pool.size });
  const trust = proxyTrust(config.trustProxy);
  const limited = (c: Context, seconds: number, reason?: string) => {
    c.header('Retry-After', String(seconds));
    return refuse(
      c,
      429,
      'rate_limited',
      reason ?? `too many refused registrations from this address (${config.registrationRefusalBurst}, then ${config.registrationRefusalsPerMinute} a minute); retry in ${seconds} s`,
    );
  };
  const busy = (c: Context) => {
    c.header('Retry-After', '1');
    return refuse(c, 503, 'busy', `the tracker is verifying ${limit.maxChecks} registrations at once, its most; retry in 1 s`);
  };
  /** The refusal of the first bad signature, if any: the binding first, as with blst it costs a fraction of the proof. */
  const checkSignatures = async (userId: string, publicKey: Uint8Array, pop: Uint8Array, signature: Uint8Array): Promise<SignatureRefusal | undefined> => {
    if (!(await deps.pool.verify(publicKey, registrationMessage(userId, publicKey), signature))) return 'bad_registration_signature';
    limit.popCheck();
    // ~30 ms of pure JS (blst's binding cannot use the PoP tag): done on a worker thread.
    if (!(await deps.pool.verifyPop(publicKey, pop))) return 'bad_pop';
    return undefined;
  };
  return new Hono<TrackerEnv>().post(
    '/register',
    bodyLimit({
      maxSize: MAX_REGISTER_BYTES,
      onError: (c) => refuse(c, 413, 'body_too_large', `body over ${MAX_REGISTER_BYTES} bytes`),
    }),
    async (c) => {
      const address = addressKey(incomingAddress(incomingOf(c), trust));
      // First of all: an address out of refusals costs nothing more, not even a parse.
      const wait = limit.retryAfter(address);
      if (wait !== undefined) return limited(c, wait);
      /** A refusal counted against the address: it made the tracker check a key, a signature or a code. */
      const refuseCounted = (status: 400, error: string, reason: string) => {
        limit.refused(address);
        return refuse(c, status, error, reason);
      };
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
      let invite: Uint8Array | undefined;
      if (config.registration !== 'open' && !isAdmin(config, c.req.header('authorization'))) {
        if (config.registration === 'closed') {
          return refuse(c, 403, 'registration_closed', 'registration is closed: only the tracker\'s admin registers users');
        }
        const code = json.invite;
        if (code === undefined || code === null || code === '') {
          return refuse(c, 403, 'invite_required', 'registration needs an invite code (field invite) from the tracker\'s admin');
        }
        if (typeof code !== 'string' || !INVITE_CODE_PATTERN.test(code)) {
          return refuseCounted(400, 'bad_invite', 'invite code is not valid');
        }
        invite = inviteHash(code);
        // A cheap check before the proof's; the registration's transaction checks it again and uses it up.
        const why = inviteUnusable(deps.store.inviteByHash(invite), now());
        if (why !== undefined) return refuseCounted(400, INVITE_REFUSALS[why], new InviteRefusedError(why).message);
      }
      let publicKey: Uint8Array;
      let pop: Uint8Array;
      let signature: Uint8Array;
      try {
        publicKey = parseHex(json, 'public_key', PUBLIC_KEY_LENGTH);
        pop = parseHex(json, 'pop', SIGNATURE_LENGTH);
        signature = parseHex(json, 'registration_signature', SIGNATURE_LENGTH);
      } catch (error) {
        if (!(error instanceof ReceiptFormatError)) throw error;
        return refuseCounted(400, `bad_${error.field}`, error.message);
      }
      // Cheap refusals first: the checks below cost tens of milliseconds.
      if (deps.store.userById(userId) !== undefined) {
        return refuse(c, 409, 'user_exists', 'user_id already registered');
      }
      if (deps.store.userByPublicKey(publicKey) !== undefined) {
        return refuse(c, 409, 'key_exists', 'public_key already registered');
      }
      try {
        backend.validatePublicKey(publicKey);
      } catch (error) {
        return refuseCounted(400, 'bad_public_key', (error as Error).message);
      }
      // At most POP_CHECKS_PER_ADDRESS checks of one address at once: a concurrent flood meets
      // its own refusals in the bucket below instead of all passing the check at the top.
      const release = await limit.slot(address);
      if (release === undefined) return limited(c, 1, 'too many registrations from this address are waiting; retry later');
      let bad: SignatureRefusal | undefined;
      try {
        const again = limit.retryAfter(address);
        if (again !== undefined) return limited(c, again);
        // Not counted against the address: during a flood from elsewhere an honest one gets it too.
        const checked = limit.check();
        if (checked === undefined) return busy(c);
        try {
          bad = await checkSignatures(userId, publicKey, pop, signature);
        } finally {
          checked();
        }
      } finally {
        release();
      }
      if (bad !== undefined) return refuseCounted(400, bad, SIGNATURE_REFUSALS[bad]);
      let user: UserRecord;
      try {
        user = deps.store.createUser({
          userId,
          publicKey,
          uploaded: deps.config.initialCredit,
          now: now(),
          inviteHash: invite,
        });
      } catch (error) {
        // The invite was used (or revoked) by another registration while the signatures were checked.
        if (error instanceof InviteRefusedError) return refuseCounted(400, INVITE_REFUSALS[error.why], error.message);
        // A concurrent registration of the same user or key can win while the signatures are checked.
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
