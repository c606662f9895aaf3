/**
 * A BitTorrent client engine on `bittorrent-protocol`: .torrent files, storage, and a session
 * that downloads and seeds over real TCP, reporting which peer sent and received what.
 * @module
 */
export { Bitfield } from './bitfield.ts';
export {
  Torrent,
  type BlockUploaded,
  type Peer,
  type PeerBanned,
  type PieceFailed,
  type PieceVerified,
  type TorrentEvents,
  type TorrentOptions,
  type UploadDecision,
} from './engine.ts';
export { createTorrent, LIMITS, MetainfoError, parseMetainfo, pieceSize, type CreateTorrentOptions, type Metainfo, type MetainfoFile } from './metainfo.ts';
export { BLOCK_LENGTH, type PieceSender } from './picker.ts';
export { TokenBucket } from './rate.ts';
export { Storage } from './storage.ts';
export { MAX_MESSAGE_LENGTH, type Encryption, type StreamEncryption } from './wire.ts';
