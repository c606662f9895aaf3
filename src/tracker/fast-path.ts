/**
 * The fast paths: announces and reports are most of a tracker's traffic, so the Node server
 * answers them without building Fetch API `Request` and `Response` objects (announces straight
 * from the request line; reports from the raw body, parsed once); every other request goes to
 * the Hono app. Both run the same announce and report logic as the Hono routes. Most announces
 * never get here: raw-announce.ts answers them off the socket, and hands Node only the
 * connections it does not answer.
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { matchAnnouncePath } from './announce.ts';
import type { TrackerApp } from './app.ts';
import { INTERNAL_ERROR_BYTES } from './errors.ts';
import { MAX_REPORT_BYTES, type ReportAnswer, type Reporter, TOO_LARGE } from './report.ts';

const TEXT = 'text/plain';
const JSON_TYPE = 'application/json';

function send(res: ServerResponse, type: string, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function fail(res: ServerResponse, error: unknown): void {
  // The operator needs the stack; the client never sees it (as the app's onError).
  console.error(error);
  send(res, JSON_TYPE, 500, INTERNAL_ERROR_BYTES);
}

/** A request listener answering GET announces and POST reports itself and handing the rest to `fallback`. */
export function withFastPath(tracker: Pick<TrackerApp, 'announce' | 'report' | 'counter'>, fallback: RequestListener): RequestListener {
  const { report, counter } = tracker;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (req.method === 'POST' && path === '/report' && report !== undefined) {
      answerReport(req, res, report, counter);
      return;
    }
    const match = req.method === 'GET' ? matchAnnouncePath(path) : undefined;
    if (match === undefined) {
      fallback(req, res);
      return;
    }
    let body: Buffer | Promise<Buffer>;
    try {
      body = tracker.announce(req, match.passkey);
    } catch (error) {
      counter.count('announce', 500);
      fail(res, error);
      return;
    }
    if (body instanceof Promise) {
      body.then(
        (bytes) => {
          counter.count('announce', 200);
          send(res, TEXT, 200, bytes);
        },
        (error: unknown) => {
          counter.count('announce', 500);
          fail(res, error);
        },
      );
      return;
    }
    counter.count('announce', 200);
    send(res, TEXT, 200, body);
  };
}

/** Reads the report body (refusing more than {@link MAX_REPORT_BYTES}, as the Hono route), then answers it. */
function answerReport(req: IncomingMessage, res: ServerResponse, report: Reporter, counter: TrackerApp['counter']): void {
  const reply = (answer: ReportAnswer) => {
    counter.count('report', answer.status);
    send(res, JSON_TYPE, answer.status, JSON.stringify(answer.body));
  };
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_REPORT_BYTES) {
    reply(TOO_LARGE);
    return;
  }
  // Over the address's byte budget: refused before a byte of the body is read.
  const address = report.addressOf(req);
  const busy = report.admit(declared, address);
  if (busy !== undefined) {
    reply(busy);
    return;
  }
  // A client that goes away mid-body is owed no answer (and its error must not go unhandled).
  req.on('error', () => {});
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > MAX_REPORT_BYTES) {
      refused = true;
      reply(TOO_LARGE);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    const body = Buffer.concat(chunks, size);
    // Dropped before the report waits for a worker: chunks held that long outlive
    // young-generation collections, and under a replay attack their memory was then freed only
    // by full GC pauses of the event loop.
    chunks.length = 0;
    // Parsed by the reporter, after its byte budget and its cache of refused bodies.
    report.raw(body, address).then(reply, (error: unknown) => {
      counter.count('report', 500);
      fail(res, error);
    });
  });
}
