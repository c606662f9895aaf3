/**
 * Admin authentication and the configuration routes. Admin routes take the token as
 * `Authorization: Bearer <token>`; without a configured token they are disabled.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { REGISTRATION_POLICIES, type TrackerConfig, resolveConfig } from './config.ts';
import type { ReportLimits } from './report.ts';

/** Whether an `Authorization` header carries the admin token (never, when none is configured). */
export function isAdmin(config: Pick<TrackerConfig, 'adminToken'>, header: string | undefined): boolean {
  if (config.adminToken === undefined) return false;
  const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(token), digest(config.adminToken));
}

/** Middleware refusing requests without the admin token (401), or every request when none is set (403). */
export function requireAdmin(config: Pick<TrackerConfig, 'adminToken'>): MiddlewareHandler {
  return async (c, next) => {
    if (config.adminToken === undefined) {
      return c.json({ error: 'admin_disabled', reason: 'admin routes are disabled: start the tracker with an admin token' }, 403);
    }
    if (!isAdmin(config, c.req.header('authorization'))) {
      return c.json({ error: 'unauthorized', reason: 'missing or wrong admin token (Authorization: Bearer <token>)' }, 401);
    }
    await next();
  };
}

/** Settings `POST /config` may change at run time: the reputation and registration policies, read on every request. */
export const MUTABLE_SETTINGS = { min_ratio: 'minRatio', initial_credit: 'initialCredit', registration: 'registration' } as const;

/** The settings of {@link MUTABLE_SETTINGS} whose value is a string (every other one is a number). */
const STRING_SETTINGS: ReadonlySet<string> = new Set(['registration']);

/** The configuration as the API shows it: every setting but the admin token, the swarm limits included. */
export function publicConfig(config: TrackerConfig) {
  return {
    mode: config.mode,
    interval: config.interval,
    min_interval: config.minInterval,
    default_numwant: config.defaultNumwant,
    max_numwant: config.maxNumwant,
    peer_ttl_seconds: config.peerTtlSeconds,
    max_torrents: config.maxTorrents,
    max_peers_per_torrent: config.maxPeersPerTorrent,
    max_torrent_peers_per_passkey: config.maxTorrentPeersPerPasskey,
    max_torrent_peers_per_address: config.maxTorrentPeersPerAddress,
    max_peers_per_passkey: config.maxPeersPerPasskey,
    max_peers_per_address: config.maxPeersPerAddress,
    max_peers: config.maxPeers,
    min_ratio: config.minRatio,
    initial_credit: config.initialCredit,
    registration: config.registration,
    registration_refusal_burst: config.registrationRefusalBurst,
    registration_refusals_per_minute: config.registrationRefusalsPerMinute,
    registration_checks_per_verifier: config.registrationChecksPerVerifier,
    epoch_seconds: config.epochSeconds,
    window_epochs: config.windowEpochs,
    admin_routes: config.adminToken !== undefined,
  };
}

/** A reporter's limits as the API shows them. */
function reportLimitsView(limits: Readonly<ReportLimits>) {
  return {
    report_bytes_per_second: limits.reportBytesPerSecond,
    report_burst_bytes: limits.reportBurstBytes,
    verify_pending_per_address: limits.verifyPendingPerAddress,
    verify_pending_per_sender: limits.verifyPendingPerSender,
    verify_pending_total: limits.verifyPendingTotal,
    verify_concurrency: limits.verifyConcurrency,
    failed_report_cache: limits.failedReportCache,
    max_report_bytes: limits.maxReportBytes,
    max_receipts_per_report: limits.maxReceiptsPerReport,
  };
}

/**
 * `GET /config` (open) and `POST /config` (admin): `config` is the tracker's live settings
 * object, changed in place so every route sees the new policy; `reportLimits` are the report
 * route's, fixed when it was created. Only {@link MUTABLE_SETTINGS} change here.
 */
export function configRoutes(config: TrackerConfig, reportLimits: Readonly<ReportLimits>): Hono {
  const view = () => ({ ...publicConfig(config), ...reportLimitsView(reportLimits) });
  return new Hono()
    .get('/config', (c) => c.json(view()))
    .post('/config', requireAdmin(config), async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return c.json({ error: 'bad_json', reason: 'body is not valid JSON' }, 400);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return c.json({ error: 'bad_request', reason: 'body must be a JSON object' }, 400);
      }
      const patch: Partial<TrackerConfig> = {};
      for (const [key, value] of Object.entries(body)) {
        // Own keys only: `constructor`, `__proto__` or `toString` must not reach Object.prototype.
        const field = Object.hasOwn(MUTABLE_SETTINGS, key)
          ? MUTABLE_SETTINGS[key as keyof typeof MUTABLE_SETTINGS]
          : undefined;
        if (field === undefined) {
          const allowed = Object.keys(MUTABLE_SETTINGS).join(', ');
          return c.json({ error: 'bad_setting', reason: `${key} cannot be changed at run time (allowed: ${allowed})` }, 400);
        }
        if (STRING_SETTINGS.has(key)) {
          if (typeof value !== 'string') {
            return c.json({ error: 'bad_setting', reason: `${key} must be one of ${REGISTRATION_POLICIES.join(', ')}` }, 400);
          }
        } else if (typeof value !== 'number') {
          return c.json({ error: 'bad_setting', reason: `${key} must be a number` }, 400);
        }
        (patch as Record<string, unknown>)[field] = value;
      }
      try {
        Object.assign(config, resolveConfig({ ...config, ...patch }));
      } catch (error) {
        return c.json({ error: 'bad_setting', reason: (error as Error).message }, 400);
      }
      return c.json(view());
    });
}
