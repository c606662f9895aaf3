/**
 * The seam for private-tracker logic (passkeys, ratio gate): the announce and scrape routes ask
 * the hooks before they touch the swarm.
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

/** Private-tracker policy plugged into the announce and scrape routes. */
export interface TrackerHooks {
  /** Returns a failure reason to refuse the announce, else undefined. */
  beforeAnnounce(ctx: AnnounceContext): string | undefined | Promise<string | undefined>;
  /** Returns a failure reason to refuse a scrape by `passkey` (undefined on plain `/scrape`), else undefined. */
  beforeScrape(passkey: string | undefined): string | undefined | Promise<string | undefined>;
}

/** Public mode: accepts every announce and scrape (no passkey). */
export const openHooks: TrackerHooks = Object.freeze({
  beforeAnnounce: () => undefined,
  beforeScrape: () => undefined,
});

const NOT_CONFIGURED = 'private tracker: passkey checks are not configured on this server, try again later';

/** Private mode before its hooks are plugged in: refuses everything, never fails open. */
export const closedHooks: TrackerHooks = Object.freeze({
  beforeAnnounce: () => NOT_CONFIGURED,
  beforeScrape: () => NOT_CONFIGURED,
});

/** Shape of a passkey in URLs: the 32 lowercase hex characters the store draws at registration. */
export const PASSKEY_PATTERN = '[0-9a-f]{32}';
