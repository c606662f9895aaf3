/**
 * `GET /announce`, `GET /announce/:passkey` and `GET /:passkey/announce` (BEP 3, BEP 23 compact
 * peers, BEP 7 `peers6`).
 * @module
 */
import { Hono, type Context } from 'hono';
import { bencodedResponse, failure, type BencodeValue } from './bencode.ts';
import type { TrackerConfig } from './config.ts';
import { type AnnounceContext, PASSKEY_PATTERN, type TrackerHooks } from './hooks.ts';
import {
  clientAddress,
  isFailure,
  parseAnnounceQuery,
  proxyTrust,
  rawQuery,
  type AnnounceQuery,
  type TrackerEnv,
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

/** The announce routes, to join with `app.route('/', ...)`. */
export function announceRoutes({ config, swarms, hooks, clock }: AnnounceDeps): Hono<TrackerEnv> {
  const trust = proxyTrust(config.trustProxy);

  const respond = (query: AnnounceQuery, ip: string, refusal: string | undefined): Response => {
    if (refusal !== undefined) return failure(refusal);
    const result = swarms.announce({
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
    return bencodedResponse({
      complete: result.complete,
      incomplete: result.incomplete,
      interval: config.interval,
      'min interval': config.minInterval,
      peers: compact ? compactPeers(result.peers) : peerDicts(result.peers, result.peers6, query.noPeerId),
      peers6: compact && result.peers6.length > 0 ? compactPeers(result.peers6) : undefined,
    });
  };

  const handle = (c: Context<TrackerEnv>): Response | Promise<Response> => {
    const query = parseAnnounceQuery(rawQuery(c));
    if (isFailure(query)) return failure(query.failure);
    const ip = clientAddress(c, trust);
    if (ip === undefined) return failure('could not determine your IP address');
    const ctx: AnnounceContext = {
      passkey: c.req.param('passkey'),
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
    if (typeof verdict === 'object') return verdict.then((refusal) => respond(query, ip, refusal));
    return respond(query, ip, verdict);
  };

  // `/<passkey>/announce` too: clients derive the scrape URL by replacing a final "announce" (BEP 48).
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
