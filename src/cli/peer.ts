/**
 * `pbts create`, `pbts seed` and `pbts download`: make a .torrent for a private PBTS tracker, and
 * run a PBTS peer (receipts given, checked, stored and reported) until it is stopped.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createTorrent, parseMetainfo } from '../peer/index.ts';
import { PbtsPeer, type PbtsPeerOptions } from '../peer/pbts/index.ts';
import { readKeyFile } from './keys.ts';
import { ProgressDisplay } from './peer-progress.ts';
import { untilStopSignal } from './signals.ts';

export const CREATE_USAGE = `Usage: pbts create FILE --tracker URL [--out FILE.torrent] [--piece-length N]

Makes a private .torrent (BEP 27) of FILE or folder FILE whose announce URL is URL/announce.
  --tracker URL       the tracker's base URL, as for pbts register (required)
  --out FILE          where the .torrent goes (default: FILE's name + .torrent)
  --piece-length N    bytes per piece, a power of two from 16384 (default: about 1,000 pieces)`;

const PEER_OPTIONS = `  --dir DIR           folder of the torrent's data (required)
  --key FILE          key file made by pbts keygen (required)
  --tracker URL       the tracker's base URL (required)
  --passkey P         your passkey from pbts register (required; prefer PBTS_PASSKEY: arguments show in ps)
  --port N            listen port (default 0: a free one, printed)
  --host ADDR         listen address (default 127.0.0.1; 0.0.0.0 to serve a network)
  --state DIR         durable state: the receipt inbox (default pbts-state)
  --serve-plain       also serve peers without the receipt extension (default: refuse them)
  --receipt-lead N    pieces served to a peer ahead of its receipts (default 8, or 16 MiB of pieces if more)
  --upload-rate B     upload limit, bytes/s (default none)
  --download-rate B   download limit, bytes/s (default none)`;

export const SEED_USAGE = `Usage: pbts seed TORRENT --dir DIR --key FILE --tracker URL --passkey P [options]

Seeds TORRENT from DIR until SIGINT or SIGTERM: downloaders' receipts are checked, kept in the
inbox and reported to the tracker, which credits your upload. On shutdown it reports what is
pending (for at most 5 s; the rest waits in the inbox for the next run).
${PEER_OPTIONS}`;

export const DOWNLOAD_USAGE = `Usage: pbts download TORRENT --dir DIR --key FILE --tracker URL --passkey P [options]

Downloads TORRENT into DIR, signing a receipt for every piece, then seeds it until SIGINT or
SIGTERM (or exits, with --exit-when-done).
${PEER_OPTIONS}
  --exit-when-done    stop once the download is complete`;

/** Longest wait for pending reports when stopping, ms. */
const SHUTDOWN_REPORT_MS = 5000;
/** How long a finished `--exit-when-done` download stays connected, so its last receipts arrive, ms. */
const LINGER_MS = 2000;

/** `pbts create`. */
export async function runCreate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tracker: { type: 'string' }, out: { type: 'string' }, 'piece-length': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(CREATE_USAGE);
    return 0;
  }
  const [input] = positionals;
  if (input === undefined || positionals.length > 1 || !values.tracker) {
    console.error(`one FILE and --tracker are required\n\n${CREATE_USAGE}`);
    return 2;
  }
  const pieceLength = values['piece-length'] === undefined ? undefined : integer('piece-length', values['piece-length']);
  const announce = `${values.tracker.replace(/\/+$/, '')}/announce`;
  const torrent = await createTorrent(input, { announce, pieceLength, private: true });
  const out = values.out ?? `${basename(input)}.torrent`;
  writeFileSync(out, torrent);
  const metainfo = parseMetainfo(torrent);
  console.log(`${out}: ${metainfo.name}, ${metainfo.length} bytes in ${metainfo.pieces.length} pieces of ${metainfo.pieceLength}, infohash ${metainfo.infoHashHex}`);
  return 0;
}

/** `pbts seed`. */
export function runSeed(argv: string[]): Promise<number> {
  return runPeer(argv, 'seed');
}

/** `pbts download`. */
export function runDownload(argv: string[]): Promise<number> {
  return runPeer(argv, 'download');
}

async function runPeer(argv: string[], command: 'seed' | 'download'): Promise<number> {
  const usage = command === 'seed' ? SEED_USAGE : DOWNLOAD_USAGE;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      key: { type: 'string' },
      tracker: { type: 'string' },
      passkey: { type: 'string', default: process.env.PBTS_PASSKEY },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      state: { type: 'string', default: 'pbts-state' },
      'serve-plain': { type: 'boolean' },
      'receipt-lead': { type: 'string' },
      'upload-rate': { type: 'string' },
      'download-rate': { type: 'string' },
      ...(command === 'download' ? { 'exit-when-done': { type: 'boolean' as const } } : {}),
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [torrentFile] = positionals;
  if (torrentFile === undefined || positionals.length > 1 || !values.dir || !values.key || !values.tracker || !values.passkey) {
    console.error(`TORRENT, --dir, --key, --tracker and --passkey are required\n\n${usage}`);
    return 2;
  }
  const optional = (name: string, text: string | undefined) => (text === undefined ? undefined : integer(name, text));
  const options: PbtsPeerOptions = {
    torrent: readFileSync(torrentFile),
    dir: values.dir,
    stateDir: values.state,
    keys: readKeyFile(values.key),
    tracker: { url: values.tracker, passkey: values.passkey },
    port: integer('port', values.port),
    host: values.host,
    plainPeers: values['serve-plain'] ? 'serve' : 'refuse',
    receiptLead: optional('receipt-lead', values['receipt-lead']),
    uploadRate: optional('upload-rate', values['upload-rate']),
    downloadRate: optional('download-rate', values['download-rate']),
  };
  const display = new ProgressDisplay((text) => process.stderr.write(text), process.stderr.isTTY === true);
  const stop = untilStopSignal();
  const peer = await PbtsPeer.open(options);
  peer.on('progress', (stats) => display.update(stats));
  peer.on('warning', (message) => display.message(`warning: ${message}`));
  peer.on('error', (error) => display.message(`error: ${error.message}`));
  const name = parseMetainfo(options.torrent).name;
  console.log(`pbts ${command}: ${name} on ${peer.address.host}:${peer.address.port}, state in ${options.stateDir}`);
  // Stopped before the download completed, whenDone rejects: nothing to say then.
  const done = peer.whenDone().then(() => command === 'download' && display.message(`${name}: download complete`), () => {});
  if (command === 'download' && values['exit-when-done']) {
    await Promise.race([done.then(() => new Promise((resolve) => setTimeout(resolve, LINGER_MS))), stop]);
  } else {
    await stop;
  }
  await Promise.race([
    peer.flushReports().catch(() => {}),
    new Promise((resolve) => setTimeout(resolve, SHUTDOWN_REPORT_MS).unref()),
  ]);
  display.finish(peer.stats());
  await peer.close();
  console.log(`pbts ${command} stopped`);
  return 0;
}

function integer(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
}
