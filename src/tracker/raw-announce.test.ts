import { type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { type TrackerApp, createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { withFastPath } from './fast-path.ts';
import { openHooks } from './hooks.ts';
import { RequestCounter } from './metrics.ts';
import { serveRawAnnounces } from './raw-announce.ts';

/** A server as startTracker builds it, with or without the raw path. */
async function listen(tracker: Pick<TrackerApp, 'app' | 'announce' | 'report' | 'counter'>, raw: boolean) {
  const server = createServer(withFastPath(tracker, getRequestListener(tracker.app.fetch)));
  const rawPath = raw ? serveRawAnnounces(server, tracker) : undefined;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, rawPath, port: (server.address() as AddressInfo).port };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * Writes `chunks` on one connection (`gapMs` apart), then half-closes it when `end`, and resolves
 * with every byte the server sent until it closed the connection, `Date` values blanked.
 */
function exchange(port: number, chunks: readonly (string | Buffer)[], gapMs = 20, end = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got ${JSON.stringify(Buffer.concat(received).toString('latin1'))}`));
    }, 5000);
    socket.on('data', (data) => received.push(data));
    socket.on('error', () => {}); // a reset after a refusal still ends in 'close'
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(received).toString('latin1').replace(/\r\nDate: [^\r]*/g, '\r\nDate: -'));
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      if (end && !socket.destroyed) socket.end();
    });
  });
}

const hash = (n: number) => `%${n.toString(16).padStart(2, '0')}`.repeat(20);
/** An announce path on its own torrent: every answer is deterministic (no random peer choice). */
const announce = (torrent: number, peer = 'peer') =>
  `/announce?info_hash=${hash(torrent)}&peer_id=${peer.padEnd(20, '-')}&port=6881&uploaded=0&downloaded=0&left=0`;
const get = (path: string, headers = 'Host: t\r\n', version = '1.1') => `GET ${path} HTTP/${version}\r\n${headers}\r\n`;
const last = (path: string) => get(path, 'Host: t\r\nConnection: close\r\n');

/** Request sequences, each ending with the server closing the connection. */
const cases: Record<string, (string | Buffer)[]> = {
  'keep-alive announces, then Connection: close': [get(announce(1)), get(announce(1, 'other')), last(announce(1, 'third'))],
  'HTTP/1.0 without keep-alive': [get(announce(2), '', '1.0')],
  'a request pipelined after Connection: close': [last(announce(18)) + get(announce(18, 'b'))],
  'a request pipelined after an HTTP/1.0 one': [get(announce(19), '', '1.0') + get(announce(19, 'b'))],
  'HTTP/1.0 with keep-alive, then without': [get(announce(3), 'Connection: keep-alive\r\n', '1.0'), get(announce(3, 'b'), '', '1.0')],
  'pipelined announce, scrape, announce in one write': [get(announce(4)) + get(`/scrape?info_hash=${hash(4)}`) + last(announce(4, 'b'))],
  'a head split across writes': [get(announce(5)).slice(0, 40), get(announce(5)).slice(40), last(announce(5, 'b'))],
  'announce after an announce split mid-pipeline': [get(announce(6)) + last(announce(6, 'b')).slice(0, 30), last(announce(6, 'b')).slice(30)],
  'POST to the announce path': ['POST /announce HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'],
  'HTTP/1.1 without Host': [get(announce(7), '')],
  'a duplicate header': [get(announce(8), 'Host: t\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n')],
  'a header name with a space': [get(announce(9), 'Host: t\r\nBad Name: 1\r\n')],
  'a header folded over two lines': [get(announce(10), 'Host: t\r\nX-A: 1\r\n  more\r\nConnection: close\r\n')],
  'a chunked GET': [get(announce(11), 'Host: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n') + '0\r\n\r\n'],
  'Content-Length: 0': [get(announce(12), 'Host: t\r\nContent-Length: 0\r\nConnection: close\r\n')],
  'an upgrade request': [get(announce(13), 'Host: t\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n')],
  'a lower-case method': [`get ${announce(14)} HTTP/1.1\r\nHost: t\r\n\r\n`],
  'a raw non-ASCII byte in the target': [Buffer.concat([Buffer.from('GET /announce?info_hash='), Buffer.from([0xff, 0x01]), Buffer.from(' HTTP/1.1\r\nHost: t\r\n\r\n')])],
  'a header over 16 KiB': [get(announce(15), `Host: t\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n`)],
  'an absolute-form target': [last(`http://t${announce(16)}`)],
  'a bad announce (failure reason)': [last('/announce?info_hash=short')],
  'announce path with a passkey, and a query-less announce': [get('/announce/abc?port=1'), last('/announce')],
  'a mixed-case Connection header and spaces around values': [get(announce(17), 'HOST:   t  \r\nconnection:   Close\r\n')],
};

let raw: Awaited<ReturnType<typeof listen>>;
let plain: Awaited<ReturnType<typeof listen>>;
let rawApp: TrackerApp;

beforeAll(async () => {
  // Every test peer comes from loopback: room for the 2,000 of the pipelining test in one torrent.
  const config = resolveConfig({ mode: 'open', maxTorrentPeersPerAddress: 5000 });
  rawApp = createApp({ config });
  raw = await listen(rawApp, true);
  plain = await listen(createApp({ config }), false);
});
afterAll(async () => {
  await close(raw.server);
  await close(plain.server);
});
afterEach(() => vi.restoreAllMocks());

test.each(Object.entries(cases))('behavior: the raw path answers exactly as Node does: %s', async (_name, chunks) => {
  const [viaRaw, viaNode] = [await exchange(raw.port, chunks), await exchange(plain.port, chunks)];
  expect(viaNode).toMatch(/^HTTP\/1\.1 \d{3} /);
  expect(viaRaw).toBe(viaNode);
});

/** A deterministic generator of odd request heads around the simple case (a seeded PRNG). */
function oddRequests(count: number): Buffer[] {
  let state = 0x9e3779b9;
  const random = (n: number) => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state % n;
  };
  const pick = <T>(list: readonly T[]): T => list[random(list.length)]!;
  // Mostly well-formed, so both paths get their share; every odd case appears a few times.
  const often = <T>(good: readonly T[], odd: readonly T[]): T[] => [...good, ...good, ...good, ...good, ...good, ...odd];
  const methods = often(['GET', 'GET'], ['HEAD', 'get', 'POST', 'GET  ']);
  const versions = often(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'], ['HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ']);
  const junk = [...'abcdefghijklmnopqrstuvwxyz%-._~!$&()*+,;=:@', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '#', '?', '/', ' ', '\t', '\x00', '\x7f', '\x80', '\xff', '\r'];
  const headers = often(
    ['Host: t', 'Connection: close', 'Connection: keep-alive', 'User-Agent: qBittorrent/4.6.4', 'Accept-Encoding: gzip', 'X-B:\tv', 'X-C: \xe9t\xe9', 'Content-Length: 0'],
    ['Connection: TE', 'X-A: \x01', 'Y : v', ': v', 'X-D', 'Content-Length: 3', 'Content-Length: -1', 'X-E: a\nb', 'X-F: \x7f', 'Expect: 100-continue'],
  );
  return Array.from({ length: count }, (_, i) => {
    let target = `${announce(100 + i)}&numwant=0&x=`;
    for (let n = random(4); n > 0; n--) target += pick(junk);
    const lines = Array.from({ length: random(4) }, () => pick(headers));
    if (random(4) > 0) lines.splice(random(lines.length + 1), 0, 'Host: t');
    const head = `${pick(methods)} ${target} ${pick(versions)}\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
    return Buffer.from(head, 'latin1');
  });
}

test('behavior: 300 odd requests get the same answer from the raw path as from Node', async () => {
  for (const request of oddRequests(300)) {
    const [viaRaw, viaNode] = [await exchange(raw.port, [request], 0, true), await exchange(plain.port, [request], 0, true)];
    expect({ request: request.toString('latin1'), answer: viaRaw }).toEqual({ request: request.toString('latin1'), answer: viaNode });
  }
});

test('default: simple announces are answered and counted without Node’s HTTP server', async () => {
  const before = rawApp.counter.render().join('\n');
  // A request listener that would fail the test shows the raw path answered alone.
  const requests = vi.fn();
  raw.server.on('request', requests);
  const answer = await exchange(raw.port, [get(announce(40)), last(announce(40, 'b'))]);
  raw.server.off('request', requests);
  expect(answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  expect(requests).not.toHaveBeenCalled();
  expect(rawApp.counter.render().join('\n')).not.toBe(before);
});

test('behavior: behind a trusted proxy the raw path takes the client address from X-Forwarded-For', async () => {
  const s = await listen(createApp({ config: resolveConfig({ mode: 'open', trustProxy: ['127.0.0.1'] }) }), true);
  const requests = vi.fn();
  s.server.on('request', requests);
  try {
    await exchange(s.port, [last(announce(1, 'a')).replace('Host: t\r\n', 'Host: t\r\nX-Forwarded-For: 10.1.2.3\r\n')]);
    const answer = await exchange(s.port, [last(announce(1, 'b').replace('left=0', 'left=5'))]);
    // Seeder a, as the proxy named it: 10.1.2.3, port 6881, in the leecher's compact list.
    expect(answer).toContain(`5:peers6:${String.fromCharCode(10, 1, 2, 3, 0x1a, 0xe1)}`);
    expect(requests).not.toHaveBeenCalled();
  } finally {
    await close(s.server);
  }
});

test('behavior: 2,000 pipelined announces in one write are all answered, in order', async () => {
  const many = Array.from({ length: 2000 }, (_, i) => get(`${announce(41, `p${i}`)}&numwant=0&key=${i}`)).join('');
  const answer = await exchange(raw.port, [many + last(announce(41, 'end'))]);
  const bodies = answer.split('HTTP/1.1 200 OK').slice(1);
  expect(bodies).toHaveLength(2001);
  // Each peer joined in turn: the i-th answer counts i+1 seeders (the torrent is fresh).
  for (const i of [0, 1, 999, 1999]) expect(bodies[i]).toContain(`d8:completei${i + 1}e`);
});

test('behavior: pending asynchronous announces keep their order and the hand-off waits for them', async () => {
  const slow = createApp({
    config: resolveConfig({ mode: 'open' }),
    hooks: { ...openHooks, beforeAnnounce: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 5)) },
  });
  const slowSync = createApp({ config: resolveConfig({ mode: 'open' }) });
  const [a, b] = [await listen(slow, true), await listen(slowSync, false)];
  const chunks = [get(announce(1)) + get(announce(1, 'b')) + get(`/scrape?info_hash=${hash(1)}`) + last(announce(1, 'c'))];
  try {
    expect(await exchange(a.port, chunks)).toBe(await exchange(b.port, chunks));
    // A client that half-closes right after sending still gets every answer before the close.
    const halfClosed = await exchange(a.port, [get(announce(2)) + get(announce(2, 'b'))], 0, true);
    expect(halfClosed.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    // ... and so does one whose later request goes to Node's server (which must see the end too).
    const handedOff = await exchange(a.port, [get(announce(3)) + get(`/scrape?info_hash=${hash(3)}`)], 0, true);
    expect(handedOff).toMatch(/^HTTP\/1\.1 200 OK[^]*d8:completei1e[^]*HTTP\/1\.1 200 OK[^]*d5:filesd20:/);
  } finally {
    await close(a.server);
    await close(b.server);
  }
});

test('error: an announce that throws gets a 500 with no detail, and the connection stays usable', async () => {
  const counter = new RequestCounter();
  const failing = { ...rawApp, counter, announce: () => { throw new Error('boom'); } };
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const s = await listen(failing, true);
  try {
    const answer = await exchange(s.port, [get(announce(1)), last(announce(1))]);
    expect(answer.match(/HTTP\/1\.1 500 Internal Server Error\r\nContent-Type: application\/json/g)).toHaveLength(2);
    expect(answer).toContain('{"error":"internal_error","reason":"');
    expect(answer).not.toContain('boom');
    expect(errors).toHaveBeenCalledTimes(2);
    expect(counter.render().join('\n')).toContain('route="announce",status="500"} 2');
  } finally {
    await close(s.server);
  }
});

test('behavior: an idle raw connection is closed after the keep-alive timeout, and closeIdle ends one at once', async () => {
  const s = await listen(createApp({ config: resolveConfig({ mode: 'open' }) }), true);
  s.server.keepAliveTimeout = 100;
  try {
    const started = performance.now();
    expect(await exchange(s.port, [get(announce(1))], 0)).toContain('Keep-Alive: timeout=0');
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    s.server.keepAliveTimeout = 60_000;
    const idle = exchange(s.port, [get(announce(2))], 0);
    await new Promise((r) => setTimeout(r, 100));
    const closing = close(s.server);
    s.rawPath!.closeIdle();
    expect(await idle).toContain('HTTP/1.1 200 OK');
    await closing;
  } finally {
    if (s.server.listening) await close(s.server);
  }
});
