/**
 * The announce fast path: announces are most of a tracker's traffic, so the Node server answers
 * them straight from the request line and socket, without building Fetch API `Request` and
 * `Response` objects; every other request goes to the Hono app. Both run the same announce logic.
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { matchAnnouncePath } from './announce.ts';
import type { TrackerApp } from './app.ts';

const TEXT = 'text/plain';

function send(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'Content-Type': TEXT, 'Content-Length': body.length });
  res.end(body);
}

function fail(res: ServerResponse, error: unknown): void {
  // The operator needs the stack; the client never sees it (as the app's onError).
  console.error(error);
  const body = JSON.stringify({ error: 'internal server error' });
  res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A request listener answering GET announces itself and handing the rest to `fallback`. */
export function withAnnounceFastPath(tracker: Pick<TrackerApp, 'announce' | 'counter'>, fallback: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const match = req.method === 'GET' ? matchAnnouncePath(query === -1 ? url : url.slice(0, query)) : undefined;
    if (match === undefined) {
      fallback(req, res);
      return;
    }
    let body: Buffer | Promise<Buffer>;
    try {
      body = tracker.announce(req, match.passkey);
    } catch (error) {
      tracker.counter.count('announce', 500);
      fail(res, error);
      return;
    }
    if (body instanceof Promise) {
      body.then(
        (bytes) => {
          tracker.counter.count('announce', 200);
          send(res, bytes);
        },
        (error: unknown) => {
          tracker.counter.count('announce', 500);
          fail(res, error);
        },
      );
      return;
    }
    tracker.counter.count('announce', 200);
    send(res, body);
  };
}
