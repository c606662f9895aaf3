/**
 * The answers no route gives: an unknown route (404) and an unhandled error (500), in the
 * refusal format of the JSON routes, `{ error, reason }`, so a client reads every JSON answer of
 * the tracker the same way. The 500 names no cause: an internal error's message and stack are
 * for the operator's log, never for the client.
 * @module
 */

/** The body of a 404: no route has this method and path. */
export const NOT_FOUND = { error: 'not_found', reason: 'no such route' } as const;

/** The body of a 500, whatever failed. */
export const INTERNAL_ERROR = { error: 'internal_error', reason: 'the tracker failed to answer this request' } as const;

/** {@link INTERNAL_ERROR} as bytes, for the paths that answer without Hono (fast path, raw announces). */
export const INTERNAL_ERROR_BYTES = Buffer.from(JSON.stringify(INTERNAL_ERROR));
