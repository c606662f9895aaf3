/**
 * A peer's announces to its tracker: `started` when it opens, a regular one per the tracker's
 * interval, `completed` when the download finishes, `stopped` when it closes. The peers each
 * answer names go to `onPeers`. A failed announce is a warning and is tried again (with its
 * event) a minute later; it never stops the peer (peers it already knows keep trading).
 * @module
 */
import { type AnnounceAnswer, type AnnouncePeer, type AnnounceParams, TrackerClient } from '../../client/tracker-client.ts';

/** Wait before trying again after a failed announce, seconds. */
const RETRY_SECONDS = 60;
/** Shortest wait between regular announces whatever the tracker says, seconds. */
const MIN_INTERVAL_SECONDS = 5;
/** Longest wait for the `stopped` announce when closing, ms. */
const STOPPED_TIMEOUT_MS = 2000;

/** Options of an {@link Announcer}. */
export interface AnnouncerOptions {
  /** Base URL of the tracker. */
  url: string;
  passkey: string;
  infohash: Uint8Array;
  peerId: Uint8Array;
  /** Our listening port. */
  port: number;
  /** The figures each announce carries (the tracker credits receipts only, never these). */
  progress(): Pick<AnnounceParams, 'uploaded' | 'downloaded' | 'left'>;
  onPeers(peers: AnnouncePeer[]): void;
  warn(message: string): void;
}

/** The announce schedule of one torrent. */
export class Announcer {
  readonly #options: AnnouncerOptions;
  readonly #client: TrackerClient;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: AnnouncerOptions) {
    this.#options = options;
    this.#client = new TrackerClient(options.url);
  }

  /** Sends `started` (resolves when it is answered or failed) and keeps announcing. */
  start(): Promise<void> {
    return this.#announce('started');
  }

  /** Sends `completed`. */
  completed(): Promise<void> {
    return this.#announce('completed');
  }

  /** Stops the schedule and sends `stopped`, waiting at most `STOPPED_TIMEOUT_MS`. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = new TrackerClient(this.#options.url, { timeoutMs: STOPPED_TIMEOUT_MS });
    await client.announce(this.#params('stopped')).catch((error: Error) => this.#options.warn(`stopped announce failed: ${error.message}`));
  }

  async #announce(event?: 'started' | 'completed'): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    let answer: AnnounceAnswer | undefined;
    try {
      answer = await this.#client.announce(this.#params(event));
    } catch (error) {
      this.#options.warn(`announce${event ? ` (${event})` : ''} failed: ${(error as Error).message}`);
    }
    if (this.#closed) return;
    const seconds = answer ? Math.max(MIN_INTERVAL_SECONDS, answer.minInterval ?? 0, answer.interval) : RETRY_SECONDS;
    // An event the tracker did not get is sent again (a refused `started` stays refused until the ratio allows).
    const next = answer ? undefined : event;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#announce(next), seconds * 1000);
    if (answer) this.#options.onPeers(answer.peers);
  }

  #params(event?: 'started' | 'completed' | 'stopped'): AnnounceParams {
    const { passkey, infohash, peerId, port } = this.#options;
    return { passkey, infohash, peerId, port, ...this.#options.progress(), ...(event ? { event } : {}) };
  }
}
