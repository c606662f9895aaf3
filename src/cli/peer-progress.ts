/**
 * The progress of `pbts seed` and `pbts download` on stderr: bytes, rates, peers and receipts,
 * one line redrawn in place on a terminal, a plain line now and then otherwise (logs stay short).
 * @module
 */
import type { PbtsPeerStats } from '../peer/pbts/index.ts';

/** Seconds between plain lines when stderr is not a terminal. */
export const PLAIN_EVERY_SECONDS = 10;

/** `1.5 MiB`, `512 B`. */
export function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** One line: what we have, the rates (bytes/s), the peers, and the receipts both ways. */
export function progressLine(stats: PbtsPeerStats, downRate: number, upRate: number): string {
  const percent = stats.pieces === 0 ? 100 : Math.floor((100 * stats.piecesVerified) / stats.pieces);
  return (
    `${stats.piecesVerified}/${stats.pieces} pieces (${percent}%), down ${bytes(stats.downloaded)} at ${bytes(downRate)}/s, ` +
    `up ${bytes(stats.uploaded)} at ${bytes(upRate)}/s, ${stats.peers} peers | receipts signed ${stats.receiptsSigned}, ` +
    `received ${stats.receiptsReceived}, reported ${stats.receiptsReported}, credited ${stats.receiptsCredited} (${bytes(stats.creditedBytes)})`
  );
}

/** Draws progress lines and interleaves messages with them. */
export class ProgressDisplay {
  /** The byte counts of the last update (the session's start at first: its counts start at 0). */
  #last: { downloaded: number; uploaded: number; at: number };
  #plainAt = -Infinity;
  #shown = false;

  /**
   * @param write where the text goes (stderr)
   * @param live a terminal: one line redrawn in place
   */
  constructor(
    private readonly write: (text: string) => void,
    private readonly live: boolean,
    now = Date.now(),
  ) {
    this.#last = { downloaded: 0, uploaded: 0, at: now };
  }

  /** New stats (rates come from the previous ones). */
  update(stats: PbtsPeerStats, now = Date.now()): void {
    const last = this.#last;
    const seconds = Math.max(0.001, (now - last.at) / 1000);
    const down = (stats.downloaded - last.downloaded) / seconds;
    const up = (stats.uploaded - last.uploaded) / seconds;
    this.#last = { downloaded: stats.downloaded, uploaded: stats.uploaded, at: now };
    const line = progressLine(stats, Math.round(down), Math.round(up));
    if (this.live) {
      this.write(`\r\x1b[2K${line}`);
      this.#shown = true;
    } else if (now - this.#plainAt >= PLAIN_EVERY_SECONDS * 1000) {
      this.#plainAt = now;
      this.write(`progress: ${line}\n`);
    }
  }

  /** A message on its own line (the progress line is drawn again at the next update). */
  message(text: string): void {
    this.write(`${this.live && this.#shown ? '\r\x1b[2K' : ''}${text}\n`);
    this.#shown = false;
  }

  /** Ends the display: the last stats on a line of their own. */
  finish(stats: PbtsPeerStats): void {
    this.message(`final: ${progressLine(stats, 0, 0).replace(/ at 0 B\/s/g, '')}`);
  }
}
