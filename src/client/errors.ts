/**
 * How a tracker request fails, as errors a caller can branch on: the PBTS routes answer a
 * refusal with an HTTP status and `{ error, reason, index? }`; announces answer HTTP 200 with a
 * bencoded `failure reason`, because that is what BitTorrent clients read; and a tracker that
 * does not answer at all is told apart from both, since only then is trying again worth it.
 * @module
 */

/** A PBTS route refused the request: the HTTP status and the tracker's code and reason. */
export class TrackerRefusal extends Error {
  constructor(
    /** The route, e.g. `POST /report`. */
    readonly route: string,
    readonly status: number,
    /** The tracker's code (`user_exists`, `bad_signature`, ...). */
    readonly code: string,
    /** The tracker's reason, meant for people. */
    readonly reason: string,
    /** The receipt the refusal is about, when it names one. */
    readonly index?: number,
  ) {
    super(`${route} refused (HTTP ${status} ${code}): ${reason}`);
    this.name = 'TrackerRefusal';
  }
}

/**
 * A report refused because a receipt in it is already spent: sending it again can never
 * succeed, so a caller drops the report (or the receipt at `index`) rather than retrying.
 */
export class AlreadySpentRefusal extends TrackerRefusal {
  constructor(route: string, status: number, reason: string, index?: number) {
    super(route, status, 'already_spent', reason, index);
    this.name = 'AlreadySpentRefusal';
  }
}

/** An announce refused with a bencoded `failure reason`. */
export class AnnounceFailure extends Error {
  constructor(readonly reason: string) {
    super(`announce refused: ${reason}`);
    this.name = 'AnnounceFailure';
  }
}

/** The refusal a PBTS route's error answer stands for; `body` is its parsed JSON, if any. */
export function refusalOf(route: string, status: number, body: unknown): TrackerRefusal {
  const json = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  // An answer from something in front of the tracker (a proxy's 502, say) may carry neither.
  const code = typeof json.error === 'string' ? json.error : `http_${status}`;
  const reason = typeof json.reason === 'string' ? json.reason : code;
  const index = typeof json.index === 'number' ? json.index : undefined;
  if (code === 'already_spent') return new AlreadySpentRefusal(route, status, reason, index);
  return new TrackerRefusal(route, status, code, reason, index);
}

/** No answer from the tracker: the connection failed or the request timed out. Worth retrying. */
export class TrackerUnreachable extends Error {
  constructor(route: string, base: string, cause: unknown) {
    super(`${route}: no answer from ${base} (${detailOf(cause)})`, { cause });
    this.name = 'TrackerUnreachable';
  }
}

// fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is in its cause.
function detailOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return error.message;
  return error.cause instanceof Error ? error.cause.message : error.message;
}
