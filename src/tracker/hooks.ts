/**
 * The seam for private-tracker logic (passkeys, ratio gate): the announce route asks the hooks
 * before it touches the swarm.
 * @module
 */
import type { AnnounceEvent } from './query.ts';

export type { AnnounceEvent };

/** What the hooks know about one announce; addresses and numbers are already validated. */
export interface AnnounceContext {
  /** Path segment of `/announce/<passkey>`; undefined on plain `/announce`. */
  passkey: string | undefined;
  infohash: Uint8Array;
  peerId: Uint8Array;
  event: AnnounceEvent | undefined;
  uploaded: number;
  downloaded: number;
  left: number;
  /** The client's address (IPv4-mapped IPv6 unwrapped). */
  ip: string;
}

/** Private-tracker policy plugged into the announce route. */
export interface TrackerHooks {
  /** Returns a failure reason to refuse the announce, else undefined. */
  beforeAnnounce(ctx: AnnounceContext): string | undefined | Promise<string | undefined>;
}

/** Public mode: accepts every announce (no passkey). */
export const openHooks: TrackerHooks = Object.freeze({
  beforeAnnounce: () => undefined,
});

/** Private mode before its hooks are plugged in: refuses every announce, never fails open. */
export const closedHooks: TrackerHooks = Object.freeze({
  beforeAnnounce: () => 'private tracker: passkey checks are not configured on this server, try again later',
});

/** Shape of a passkey in URLs: the 32 lowercase hex characters the store draws at registration. */
export const PASSKEY_PATTERN = '[0-9a-f]{32}';
