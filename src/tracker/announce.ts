/**
 * `GET /announce`, `GET /announce/:passkey` and `GET /:passkey/announce` (BEP 3, BEP 23 compact
 * peers, BEP 7 `peers6`).
 * @module
 */
import { Hono, type Context } from 'hono';
import { type BencodeValue, encode } from '../bencode/index.ts';
import { textResponse } from './bencode.ts';
import type { TrackerConfig } from './config.ts';
import { type AnnounceContext, PASSKEY_PATTERN, type TrackerHooks } from './hooks.ts';
import {
  type AnnounceQuery,
  type Incoming,
  type TrackerEnv,
  incomingAddress,
  incomingOf,
  isFailure,
  parseAnnounceQuery,
  proxyTrust,
  queryOf,
} from './query.ts';
import { compactPeers, type SwarmPeer, type Swarms } from './swarm.ts';

/** What the announce routes need. */
export interface AnnounceDeps {
  config: Readonly<TrackerConfig>;
  swarms: Swarms;
  hooks: TrackerHooks;
  /** Unix time in seconds. */
  clock: () => number;
}

/** Answers one announce with the bencoded body (a `failure reason` when refused). */
export type Announcer = (incoming: Incoming, passkey: string | undefined) => Buffer | Promise<Buffer>;

const failureBody = (reason: string) => encode({ 'failure reason': reason });

/**
 * The announce logic, independent of the HTTP framework: the Hono routes below and the
 * server's fast path (which skips the Fetch API objects on the hottest route) share it.
 */
export function createAnnouncer({ config, swarms, hooks, clock }: AnnounceDeps): Announcer {
  const trust = proxyTrust(config.trustProxy);

  const respond = (query: AnnounceQuery, ip: string, passkey: string | undefined, refusal: string | undefined): Buffer => {
    if (refusal !== undefined) return failureBody(refusal);
    const result = swarms.announce({
      passkey,
      infohash: query.infohash,
      peerId: query.peerId,
      ip,
      port: query.port,
      left: query.left,
      event: query.event,
      numwant: Math.min(query.numwant ?? config.defaultNumwant, config.maxNumwant),
      now: clock(),
    });
    const compact = query.compact;
    return encode({
      complete: result.complete,
      incomplete: result.incomplete,
      interval: config.interval,
      'min interval': config.minInterval,
      peers: compact ? compactPeers(result.peers) : peerDicts(result.peers, result.peers6, query.noPeerId),
      peers6: compact && result.peers6.length > 0 ? compactPeers(result.peers6) : undefined,
    });
  };

  return (incoming, passkey) => {
    const query = parseAnnounceQuery(queryOf(incoming.url ?? ''));
    if (isFailure(query)) return failureBody(query.failure);
    const ip = incomingAddress(incoming, trust);
    if (ip === undefined) return failureBody('could not determine your IP address');
    const ctx: AnnounceContext = {
      passkey,
      infohash: query.infohash,
      peerId: query.peerId,
      event: query.event,
      uploaded: query.uploaded,
      downloaded: query.downloaded,
      left: query.left,
      ip,
    };
    const verdict = hooks.beforeAnnounce(ctx);
    // Stay synchronous when the hooks are: no promise, no microtask per announce.
    if (typeof verdict === 'object') return verdict.then((refusal) => respond(query, ip, passkey, refusal));
    return respond(query, ip, passkey, verdict);
  };
}

const PASSKEY_SEGMENT = new RegExp(`^${PASSKEY_PATTERN}$`);

/**
 * Whether a request path is an announce route, and its passkey: `{ passkey }` for `/announce`
 * (undefined), `/announce/<passkey>` or `/<passkey>/announce`; undefined for other paths.
 */
export function matchAnnouncePath(path: string): { passkey: string | undefined } | undefined {
  if (path === '/announce') return { passkey: undefined };
  if (path.startsWith('/announce/')) {
    const passkey = path.slice(10);
    return passkey.length > 0 && !passkey.includes('/') ? { passkey } : undefined;
  }
  if (path.endsWith('/announce') && path.lastIndexOf('/', path.length - 10) === 0) {
    const passkey = path.slice(1, -9);
    return PASSKEY_SEGMENT.test(passkey) ? { passkey } : undefined;
  }
  return undefined;
}

/** The announce routes, to join with `app.route('/', ...)`. */
export function announceRoutes(announce: Announcer): Hono<TrackerEnv> {
  const handle = (c: Context<TrackerEnv>): Response | Promise<Response> => {
    const body = announce(incomingOf(c), c.req.param('passkey'));
    return body instanceof Promise ? body.then(textResponse) : textResponse(body);
  };

  // `/<passkey>/announce` too: Transmission and rTorrent derive a scrape URL only from a final
  // "announce" (BEP 48); libtorrent refuses that form on loopback (its SSRF mitigation).
  return new Hono<TrackerEnv>()
    .get('/announce', handle)
    .get('/announce/:passkey', handle)
    .get(`/:passkey{${PASSKEY_PATTERN}}/announce`, handle);
}

// The dictionary model (compact=0) lists both families in `peers`; BEP 7 only adds `peers6`
// for the compact form.
function peerDicts(peers: readonly SwarmPeer[], peers6: readonly SwarmPeer[], noPeerId: boolean): BencodeValue[] {
  const out: BencodeValue[] = [];
  for (const list of [peers, peers6]) {
    for (const peer of list) {
      out.push(noPeerId ? { ip: peer.ip, port: peer.port } : { ip: peer.ip, port: peer.port, 'peer id': peer.peerId });
    }
  }
  return out;
}
