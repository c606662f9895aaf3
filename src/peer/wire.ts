/**
 * The `bittorrent-protocol` wire as the engine uses it: message sizes bounded (the library would
 * buffer whatever length a peer announces), and MSE/PE (message stream encryption) set up in
 * either direction.
 * @module
 */
import { createHash } from 'node:crypto';
import Wire from 'bittorrent-protocol';

/**
 * MSE/PE policy. `prefer`: outgoing connections start with the MSE handshake and offer RC4 or
 * plaintext, incoming ones may use either handshake; `require`: RC4 only, both ways; `disable`:
 * the plain BitTorrent handshake only.
 */
export type Encryption = 'prefer' | 'require' | 'disable';

/** How a connection's stream ended up: MSE with RC4, MSE then plaintext, or no MSE at all. */
export type StreamEncryption = 'rc4' | 'mse-plaintext' | 'none';

/**
 * Longest message we accept: a 128 KiB block plus its header, or the bitfield of 1M pieces, or
 * an extension message; a peer announcing more is dropped before its bytes are buffered.
 */
export const MAX_MESSAGE_LENGTH = 256 * 1024;

/** Whether `DEBUG` asks for the wire's log (the `debug` package's switch). */
const WIRE_DEBUG = /(^|[,\s])(bittorrent-protocol|\*)([,\s]|$)/.test(process.env.DEBUG ?? '');

/**
 * A `Wire` that drops a peer announcing a message longer than `MAX_MESSAGE_LENGTH`, and parses
 * without copying each chunk it is fed.
 */
export class BoundedWire extends Wire {
  // bittorrent-protocol 5.0.9 (pinned) joins what it holds of an unfinished message with the
  // whole next chunk (a 64 KiB socket read) into a new array, so every received byte was
  // copied once more. Fed first the bytes that finish the message, it joins only those, then
  // parses the rest of the chunk in place: at 100 MB/s that was 6% of a downloader's CPU.
  // Only past the handshakes, where the MSE code no longer re-reads the buffer.
  protected override _write(data: Uint8Array, callback: (error: Error | null) => void): void {
    const missing = this._parserSize - this._bufferSize;
    if (this.peerId !== null && this._bufferSize > 0 && missing > 0 && missing < data.length) {
      super._write(data.subarray(0, missing), () => {});
      data = data.subarray(missing);
    }
    super._write(data, callback);
  }

  // The library formats a log line for every message, logged or not (2-3% of a downloader's
  // CPU at 100 MB/s); it is formatted only where `DEBUG` turns the log on.
  protected override _debug(...args: unknown[]): void {
    if (WIRE_DEBUG) super._debug(...args);
  }

  // bittorrent-protocol 5.0.9 (pinned) parses every length prefix through this method.
  protected override _onMessageLength(buffer: Uint8Array): void {
    const length = ((buffer[0]! << 24) | (buffer[1]! << 16) | (buffer[2]! << 8) | buffer[3]!) >>> 0;
    if (length > MAX_MESSAGE_LENGTH) {
      // Stop parsing the rest of what is already buffered, then close.
      this._parse(Number.MAX_SAFE_INTEGER, () => {});
      this.destroy();
      return;
    }
    super._onMessageLength(buffer);
  }
}

/** Opens a wire for an accepted connection (it answers whichever handshake the peer starts). */
export function incomingWire(encryption: Encryption): BoundedWire {
  return new BoundedWire('tcpIncoming', encryption === 'disable' ? 0 : encryption === 'require' ? 2 : 1);
}

/** Opens a wire for a connection we made; `encrypted` starts with the MSE handshake. */
export function outgoingWire(encryption: Encryption, encrypted: boolean): BoundedWire {
  return new BoundedWire('tcpOutgoing', !encrypted ? 0 : encryption === 'require' ? 2 : 1);
}

/**
 * What an MSE initiator sends for our info hash (HASH('req2', SKEY) in the MSE spec), hex, to
 * match the wire's `crypto-infohash` event against.
 */
export function mseInfoHashKey(infoHash: Uint8Array): string {
  return createHash('sha1').update('req2').update(infoHash).digest('hex');
}

/** How `wire`'s stream is encrypted, once its handshake is done. */
export function streamEncryption(wire: Wire, mse: boolean): StreamEncryption {
  if (!mse) return 'none';
  return (wire as unknown as { _encryptionMethod?: number })._encryptionMethod === 2 ? 'rc4' : 'mse-plaintext';
}
