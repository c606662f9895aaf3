/**
 * .torrent files (BEP 3, v1): a strict, bounded parser, and `createTorrent` to make one from files
 * on disk. The info hash is the SHA-1 of the info dict's raw bytes as they stand in the file, so
 * it survives dicts whose keys another encoder would reorder.
 * @module
 */
import { createHash } from 'node:crypto';
import makeTorrent from 'create-torrent';
import { decode, rawValue, type Decoded } from '../bencode/index.ts';

/** One file of a torrent, where it sits in the torrent's byte stream. */
export interface MetainfoFile {
  /** Path components below the torrent's folder (for a single-file torrent: just the name). */
  readonly path: readonly string[];
  readonly length: number;
  /** Offset of its first byte in the concatenation of all files. */
  readonly offset: number;
}

/** A parsed, validated .torrent. */
export interface Metainfo {
  /** SHA-1 of the raw info dict. */
  readonly infoHash: Uint8Array;
  readonly infoHashHex: string;
  readonly name: string;
  readonly pieceLength: number;
  /** 20-byte SHA-1 of each piece. */
  readonly pieces: readonly Uint8Array[];
  /** Files in torrent order; a single-file torrent has one, named `name`. */
  readonly files: readonly MetainfoFile[];
  /** True for a multi-file torrent, whose files live in a folder named `name`. */
  readonly multiFile: boolean;
  readonly length: number;
  /** Tracker URLs: `announce` first, then `announce-list` tiers in order, without repeats. */
  readonly announce: readonly string[];
  /** BEP 27: only the torrent's trackers may hand out peers. */
  readonly private: boolean;
}

/** Why a .torrent was refused. */
export class MetainfoError extends Error {
  constructor(message: string) {
    super(`torrent: ${message}`);
    this.name = 'MetainfoError';
  }
}

/** Bounds on what a .torrent may ask of us. */
export const LIMITS = {
  /** Bytes of the .torrent itself (1M piece hashes are 20 MB). */
  maxTorrentBytes: 32 * 1024 * 1024,
  maxPieces: 1 << 20,
  minPieceLength: 16 * 1024,
  maxPieceLength: 64 * 1024 * 1024,
  maxFiles: 100_000,
  maxPathDepth: 32,
  maxNameBytes: 255,
} as const;

/** Parses and validates a v1 .torrent (single- or multi-file); throws `MetainfoError`. */
export function parseMetainfo(bytes: Uint8Array): Metainfo {
  if (bytes.length > LIMITS.maxTorrentBytes) throw new MetainfoError(`larger than ${LIMITS.maxTorrentBytes} bytes`);
  const limits = { maxDepth: LIMITS.maxPathDepth + 4, maxItems: 4 * LIMITS.maxFiles + 4 * LIMITS.maxPathDepth + 1000 };
  let top: Decoded;
  try {
    top = decode(bytes, limits);
  } catch (error) {
    throw new MetainfoError((error as Error).message);
  }
  const root = dict(top, 'the file');
  const info = dict(root.info, 'info');
  const infoBytes = rawValue(bytes, 'info', limits)!;

  const pieceLength = integer(info['piece length'], 'piece length');
  if (pieceLength < LIMITS.minPieceLength || pieceLength > LIMITS.maxPieceLength) {
    throw new MetainfoError(`piece length ${pieceLength} outside ${LIMITS.minPieceLength}..${LIMITS.maxPieceLength}`);
  }
  if (info.pieces === undefined && info['meta version'] !== undefined) throw new MetainfoError('v2-only torrents are not supported');
  const hashes = bytesOf(info.pieces, 'pieces');
  if (hashes.length % 20 !== 0) throw new MetainfoError('pieces is not a multiple of 20 bytes');
  const count = hashes.length / 20;
  if (count > LIMITS.maxPieces) throw new MetainfoError(`more than ${LIMITS.maxPieces} pieces`);

  const name = component(info.name, 'name');
  const multiFile = info.files !== undefined;
  if (multiFile && info.length !== undefined) throw new MetainfoError('info has both length and files');
  const files: MetainfoFile[] = [];
  let length = 0;
  if (multiFile) {
    const list = info.files;
    if (!Array.isArray(list) || list.length === 0) throw new MetainfoError('files must be a non-empty list');
    if (list.length > LIMITS.maxFiles) throw new MetainfoError(`more than ${LIMITS.maxFiles} files`);
    const seen = new Set<string>();
    for (const [i, item] of list.entries()) {
      const file = dict(item, `files[${i}]`);
      const size = integer(file.length, `files[${i}].length`);
      const parts = file.path;
      if (!Array.isArray(parts) || parts.length === 0 || parts.length > LIMITS.maxPathDepth) {
        throw new MetainfoError(`files[${i}].path must be a list of 1..${LIMITS.maxPathDepth} names`);
      }
      const path = parts.map((part, j) => component(part, `files[${i}].path[${j}]`));
      const key = path.join('/');
      // Two entries for one path (or a file where another needs a folder) would overwrite data.
      if (seen.has(key)) throw new MetainfoError(`files[${i}].path repeats ${key}`);
      seen.add(key);
      files.push({ path, length: size, offset: length });
      length += size;
    }
    for (const key of seen) {
      for (let cut = key.lastIndexOf('/'); cut > 0; cut = key.lastIndexOf('/', cut - 1)) {
        if (seen.has(key.slice(0, cut))) throw new MetainfoError(`${key.slice(0, cut)} is both a file and a folder`);
      }
    }
  } else {
    length = integer(info.length, 'length');
    files.push({ path: [name], length, offset: 0 });
  }
  if (length === 0) throw new MetainfoError('the torrent holds no bytes');
  if (count !== Math.ceil(length / pieceLength)) {
    throw new MetainfoError(`${count} piece hashes for ${length} bytes in pieces of ${pieceLength}`);
  }

  const pieces: Uint8Array[] = [];
  for (let i = 0; i < count; i++) pieces.push(hashes.subarray(i * 20, i * 20 + 20));
  const infoHash = new Uint8Array(createHash('sha1').update(infoBytes).digest());
  return {
    infoHash,
    infoHashHex: Buffer.from(infoHash).toString('hex'),
    name,
    pieceLength,
    pieces,
    files,
    multiFile,
    length,
    announce: announceUrls(root),
    private: info.private === 1,
  };
}

/** Size in bytes of piece `index` (the last one is usually short). */
export function pieceSize(metainfo: Metainfo, index: number): number {
  return Math.min(metainfo.pieceLength, metainfo.length - index * metainfo.pieceLength);
}

/** What `createTorrent` writes into the .torrent. */
export interface CreateTorrentOptions {
  /** Tracker URLs; none makes a tracker-less torrent (peers then come from `Torrent.connect`). */
  announce?: string | readonly string[];
  /** Bytes per piece (default: create-torrent's choice, about 1,000 pieces). */
  pieceLength?: number;
  /** Name of the torrent (default: the file's or folder's name). */
  name?: string;
  /** BEP 27 private flag, as a private tracker wants. */
  private?: boolean;
}

/**
 * Makes a .torrent for the file or folder at `path` (through `create-torrent`, hashing the data)
 * and returns its bytes, which `parseMetainfo` accepts.
 */
export function createTorrent(path: string, options: CreateTorrentOptions = {}): Promise<Uint8Array> {
  const urls = options.announce === undefined ? [] : typeof options.announce === 'string' ? [options.announce] : [...options.announce];
  return new Promise((resolve, reject) => {
    makeTorrent(
      path,
      {
        // An explicit list, even empty: create-torrent would otherwise add public trackers.
        announceList: urls.map((url) => [url]),
        pieceLength: options.pieceLength,
        name: options.name,
        private: options.private,
        createdBy: 'PBTS',
      },
      (error, torrent) => (error ? reject(error) : resolve(new Uint8Array(torrent))),
    );
  });
}

function dict(value: Decoded | undefined, what: string): { [key: string]: Decoded } {
  if (value === undefined || typeof value === 'number' || value instanceof Uint8Array || Array.isArray(value)) {
    throw new MetainfoError(`${what} must be a dict`);
  }
  return value;
}

function integer(value: Decoded | undefined, what: string): number {
  if (typeof value !== 'number' || value < 0) throw new MetainfoError(`${what} must be a non-negative integer`);
  return value;
}

function bytesOf(value: Decoded | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MetainfoError(`${what} must be a byte string`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(value: Decoded | undefined, what: string): string {
  try {
    return utf8.decode(bytesOf(value, what));
  } catch (error) {
    if (error instanceof MetainfoError) throw error;
    throw new MetainfoError(`${what} is not UTF-8`);
  }
}

/** A file or folder name that cannot leave the torrent's folder or name a device. */
function component(value: Decoded | undefined, what: string): string {
  const name = text(value, what);
  if (name === '' || name === '.' || name === '..') throw new MetainfoError(`${what} may not be "${name}"`);
  if (/[/\\\0]/.test(name)) throw new MetainfoError(`${what} may not hold a slash, backslash or NUL`);
  if (Buffer.byteLength(name) > LIMITS.maxNameBytes) throw new MetainfoError(`${what} is longer than ${LIMITS.maxNameBytes} bytes`);
  return name;
}

function announceUrls(root: { [key: string]: Decoded }): string[] {
  const urls: string[] = [];
  const add = (value: Decoded | undefined, what: string) => {
    const url = text(value, what);
    if (!urls.includes(url)) urls.push(url);
  };
  if (root.announce !== undefined) add(root.announce, 'announce');
  const tiers = root['announce-list'];
  if (tiers !== undefined) {
    if (!Array.isArray(tiers)) throw new MetainfoError('announce-list must be a list of lists');
    for (const [i, tier] of tiers.entries()) {
      if (!Array.isArray(tier)) throw new MetainfoError('announce-list must be a list of lists');
      for (const [j, url] of tier.entries()) add(url, `announce-list[${i}][${j}]`);
    }
  }
  return urls;
}
