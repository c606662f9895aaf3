/**
 * Invite codes for the `invite` registration policy, and the admin routes that issue, list and
 * revoke them. A code is 144 random bits (`inv_` + 24 base64url characters); the tracker keeps
 * only its SHA-256, so neither the database nor `GET /invites` can give a code out again. A code
 * registers one user: `POST /register` consumes it in the transaction that creates the user.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type InviteRecord, type Store, inviteUnusable } from '../store/index.ts';
import { requireAdmin } from './admin.ts';
import type { TrackerConfig } from './config.ts';

/** The shape of every invite code this tracker issues. */
export const INVITE_CODE_PATTERN = /^inv_[A-Za-z0-9_-]{24}$/;
/** Longest `note` on an invite. */
export const MAX_INVITE_NOTE = 200;
/** Longest lifetime an invite may be given: one year. */
export const MAX_INVITE_SECONDS = 365 * 24 * 3600;

/** A fresh invite code (144 bits from the system's secure random source). */
export function newInviteCode(): string {
  return `inv_${randomBytes(18).toString('base64url')}`;
}

/** What the store keeps of a code: its SHA-256. */
export function inviteHash(code: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(code, 'utf8').digest());
}

/** An invite as the admin routes show it (never the code, which is not kept). */
export function inviteView(invite: InviteRecord, now: number) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    invite_id: invite.inviteId,
    status: inviteUnusable(invite, now) ?? 'unused',
    note: invite.note,
    created_at: iso(invite.createdAt),
    expires_at: iso(invite.expiresAt),
    used_at: iso(invite.usedAt),
    used_by: invite.usedBy,
    revoked_at: iso(invite.revokedAt),
  };
}

/** What {@link inviteRoutes} needs. */
export interface InviteDeps {
  store: Store;
  config: Pick<TrackerConfig, 'adminToken'>;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
}

/**
 * Admin routes: `POST /invites` `{ expires_in_seconds?, note? }` -> 201 with the code (shown this
 * once); `GET /invites` -> every invite, newest first; `DELETE /invites/<id>` revokes an unused one.
 */
export function inviteRoutes(deps: InviteDeps): Hono {
  const now = deps.now ?? Date.now;
  const refuse = (error: string, reason: string) => ({ error, reason });
  return new Hono()
    .post('/invites', requireAdmin(deps.config), bodyLimit({ maxSize: 4096, onError: (c) => c.json(refuse('body_too_large', 'body over 4096 bytes'), 413) }), async (c) => {
      let body: unknown = {};
      const text = await c.req.text();
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          return c.json(refuse('bad_json', 'body is not valid JSON'), 400);
        }
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return c.json(refuse('bad_request', 'body must be a JSON object'), 400);
      }
      const json = body as Record<string, unknown>;
      for (const key of Object.keys(json)) {
        if (key !== 'expires_in_seconds' && key !== 'note') {
          return c.json(refuse('bad_request', `unknown field ${key} (allowed: expires_in_seconds, note)`), 400);
        }
      }
      const seconds = json.expires_in_seconds;
      if (seconds !== undefined && seconds !== null && (!Number.isSafeInteger(seconds) || (seconds as number) < 1 || (seconds as number) > MAX_INVITE_SECONDS)) {
        return c.json(refuse('bad_expiry', `expires_in_seconds must be an integer from 1 to ${MAX_INVITE_SECONDS}`), 400);
      }
      const note = json.note;
      if (note !== undefined && note !== null && (typeof note !== 'string' || note.length > MAX_INVITE_NOTE)) {
        return c.json(refuse('bad_note', `note must be a string of at most ${MAX_INVITE_NOTE} characters`), 400);
      }
      const at = now();
      const code = newInviteCode();
      const invite = deps.store.createInvite({
        codeHash: inviteHash(code),
        note: (note as string | null | undefined) ?? undefined,
        expiresAt: typeof seconds === 'number' ? at + seconds * 1000 : undefined,
        now: at,
      });
      return c.json({ ...inviteView(invite, at), code }, 201);
    })
    .get('/invites', requireAdmin(deps.config), (c) => {
      const at = now();
      return c.json({ invites: deps.store.invites().map((invite) => inviteView(invite, at)) });
    })
    .delete('/invites/:id', requireAdmin(deps.config), (c) => {
      const text = c.req.param('id');
      const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : undefined;
      const invite = id === undefined ? undefined : deps.store.revokeInvite(id, now());
      if (invite === undefined) return c.json(refuse('unknown_invite', `no invite ${text}`), 404);
      if (invite.usedAt !== null) {
        return c.json(refuse('invite_used', `invite ${id} already registered ${invite.usedBy}; it cannot be revoked`), 409);
      }
      return c.json(inviteView(invite, now()));
    });
}
