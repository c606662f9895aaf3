/**
 * Bencoded tracker responses (the codec is `src/bencode/`).
 * @module
 */
import { type BencodeValue, encode } from '../bencode/index.ts';

// Shared and never mutated: @hono/node-server then writes the response without building Headers.
const HEADERS = { 'Content-Type': 'text/plain' } as const;

/** HTTP 200 `text/plain` response carrying the bencoded `dict`. */
export function bencodedResponse(dict: { readonly [key: string]: BencodeValue | undefined }): Response {
  return textResponse(encode(dict));
}

/** HTTP 200 `text/plain` response carrying an already bencoded body. */
export function textResponse(body: Buffer): Response {
  return new Response(body, { status: 200, headers: HEADERS });
}

/**
 * A BitTorrent `failure reason` response. It is HTTP 200 on purpose: clients read the reason
 * from the body only when the status is 200, and treat any other status as an unreachable
 * tracker (no message shown, retried sooner).
 */
export function failure(reason: string): Response {
  return bencodedResponse({ 'failure reason': reason });
}

