/**
 * The `pbts_receipt` BEP 10 extension for bittorrent-protocol's `Wire`: downloaders send the
 * receipts they sign to the uploader, uploaders ask for missing ones and refuse bad ones. Ids
 * are negotiated as BEP 10 says (a flat `m` entry each way); a peer without the extension gets
 * plain BitTorrent. Any bad, unexpected or excessive message from a peer gives a `warning` and
 * a polite disconnect (`wire.end()`), never an exception.
 * @module
 */
import { EventEmitter } from 'node:events';
import type Wire from 'bittorrent-protocol';
import { type BlsBackend, BlsError, getBackend, type Receipt } from '../receipts/index.ts';
import {
  decodeMessage,
  encodeMessage,
  EXTENSION_NAME,
  handshakeKeys,
  MAX_MESSAGE_BYTES,
  parseHandshake,
  PROTOCOL_VERSION,
  type RejectReason,
  type WireErrorCode,
  type WireMessage,
} from './messages.ts';

/** Default bound on the extension messages a peer may send per second (burst: one second's worth). */
export const DEFAULT_MAX_MESSAGES_PER_SECOND = 256;
/** Default bound on the extension payload bytes a peer may send per second (burst: one second's worth). */
export const DEFAULT_MAX_BYTES_PER_SECOND = 1024 * 1024;

/** Options of {@link pbtsExtension}. */
export interface PbtsExtensionOptions {
  /** Our 48-byte BLS public key, sent in the extended handshake: the key our receipts are signed with. */
  publicKey: Uint8Array;
  /** Validates the peer's public key (on curve, subgroup, not infinity); default `getBackend()`. */
  backend?: BlsBackend;
  /** Most extension messages a peer may send per second; default {@link DEFAULT_MAX_MESSAGES_PER_SECOND}. */
  maxMessagesPerSecond?: number;
  /** Most extension payload bytes a peer may send per second; default {@link DEFAULT_MAX_BYTES_PER_SECOND}. */
  maxBytesPerSecond?: number;
  /** Clock in milliseconds for the flood bound; default `performance.now`. */
  now?: () => number;
}

/** Why a peer was disconnected: a payload error, or one of the extension's own. */
export type WarningCode = WireErrorCode | 'unexpected' | 'flood' | 'handshake';

/** A peer's misbehaviour; the wire has been ended when it is emitted. */
export interface PbtsWarning {
  code: WarningCode;
  reason: string;
}

/** The peer, once its extended handshake has announced the extension. */
export interface PbtsPeer {
  /** The peer's BLS public key: the key its receipts must be signed with. */
  publicKey: Uint8Array;
  /** The protocol version both sides speak. */
  version: number;
}

/** Events of {@link PbtsReceiptExtension}. */
export interface PbtsEvents {
  ready: [peer: PbtsPeer];
  receipt: [receipt: Receipt];
  batch: [receipts: Receipt[]];
  request: [index: number];
  reject: [index: number, reason: RejectReason];
  warning: [warning: PbtsWarning];
}

/**
 * The extension on one wire (`wire.pbts_receipt`, or {@link pbtsOf}). The `send*` methods
 * return false, sending nothing, while the peer does not support the extension (before its
 * extended handshake, a plain peer, a disconnected wire); they throw `RangeError` or
 * `ReceiptFormatError` on arguments no peer could accept.
 */
export class PbtsReceiptExtension extends EventEmitter<PbtsEvents> {
  declare readonly name: string;
  readonly #wire: Wire;
  readonly #backend: BlsBackend;
  readonly #budget: Budget;
  #peer: (PbtsPeer & { id: number }) | undefined;
  #closed = false;

  constructor(wire: Wire, options: PbtsExtensionOptions) {
    super();
    this.#wire = wire;
    this.#backend = options.backend ?? getBackend();
    this.#budget = new Budget(
      options.maxMessagesPerSecond ?? DEFAULT_MAX_MESSAGES_PER_SECOND,
      options.maxBytesPerSecond ?? DEFAULT_MAX_BYTES_PER_SECOND,
      options.now ?? (() => performance.now()),
    );
    Object.assign(wire.extendedHandshake, handshakeKeys(options.publicKey));
    const close = () => {
      this.#closed = true;
    };
    wire.once('finish', close);
    wire.once('close', close);
  }

  /** True when messages can be sent: the peer announced the extension and the wire is open. */
  get supported(): boolean {
    const peer = this.#peer;
    return peer !== undefined && !this.#closed && this.#wire.peerExtendedMapping[EXTENSION_NAME] === peer.id;
  }

  /** The peer, once it has announced the extension. */
  get peer(): PbtsPeer | undefined {
    return this.#peer && { publicKey: this.#peer.publicKey, version: this.#peer.version };
  }

  /** Sends one receipt we signed (we downloaded the piece). */
  sendReceipt(receipt: Receipt): boolean {
    return this.#send({ type: 'receipt', receipt });
  }

  /** Sends 1..MAX_BATCH receipts we signed in one message. */
  sendBatch(receipts: Receipt[]): boolean {
    return this.#send({ type: 'batch', receipts });
  }

  /** Asks the peer for the receipt of piece `index`, which we uploaded to it. */
  sendRequest(index: number): boolean {
    return this.#send({ type: 'request', index });
  }

  /** Tells the peer we refuse its receipt for piece `index`, and why. */
  sendReject(index: number, reason: RejectReason): boolean {
    return this.#send({ type: 'reject', index, reason });
  }

  /** Called by the wire with the peer's extended handshake when it lists our extension. */
  onExtendedHandshake(handshake: Record<string, unknown>): void {
    if (this.#closed) return;
    const parsed = parseHandshake(handshake, EXTENSION_NAME);
    if (!parsed.ok) return this.#disconnect('handshake', parsed.reason);
    const { id, publicKey, version } = parsed.handshake;
    if (this.#peer !== undefined) {
      // BEP 10 lets a peer send its handshake again (new ids); the signer cannot change.
      if (!equalBytes(this.#peer.publicKey, publicKey)) return this.#disconnect('handshake', 'public key changed');
      this.#peer.id = id;
      return;
    }
    try {
      this.#backend.validatePublicKey(publicKey);
    } catch (error) {
      if (error instanceof BlsError) return this.#disconnect('handshake', `pbts_pk: ${error.message}`);
      throw error;
    }
    this.#peer = { id, publicKey, version: Math.min(version, PROTOCOL_VERSION) };
    this.emit('ready', this.peer!);
  }

  /** Called by the wire with each payload the peer sent on our id. */
  onMessage(payload: Uint8Array): void {
    if (this.#closed) return;
    if (this.#peer === undefined) {
      return this.#disconnect('unexpected', 'message before an extended handshake announcing the extension');
    }
    if (payload.length > MAX_MESSAGE_BYTES) {
      return this.#disconnect('oversized', `payload of ${payload.length} bytes, at most ${MAX_MESSAGE_BYTES}`);
    }
    if (!this.#budget.take(payload.length)) {
      return this.#disconnect('flood', `over ${this.#budget.messages} messages or ${this.#budget.bytes} bytes per second`);
    }
    const decoded = decodeMessage(payload);
    if (!decoded.ok) return this.#disconnect(decoded.error.code, decoded.error.reason);
    const message = decoded.message;
    switch (message.type) {
      case 'receipt':
        return void this.emit('receipt', message.receipt);
      case 'batch':
        return void this.emit('batch', message.receipts);
      case 'request':
        return void this.emit('request', message.index);
      case 'reject':
        return void this.emit('reject', message.index, message.reason);
    }
  }

  #send(message: WireMessage): boolean {
    const payload = encodeMessage(message);
    if (!this.supported) return false;
    this.#wire.extended(this.#peer!.id, payload);
    return true;
  }

  #disconnect(code: WarningCode, reason: string): void {
    this.#closed = true;
    this.#wire.end();
    this.emit('warning', { code, reason });
  }
}
Object.defineProperty(PbtsReceiptExtension.prototype, 'name', { value: EXTENSION_NAME });

/** The class to pass to `wire.use`, bound to `options` (validated here). */
export function pbtsExtension(options: PbtsExtensionOptions): {
  new (wire: Wire): PbtsReceiptExtension;
  prototype: PbtsReceiptExtension;
} {
  handshakeKeys(options.publicKey);
  Budget.check(options.maxMessagesPerSecond, options.maxBytesPerSecond);
  return class extends PbtsReceiptExtension {
    constructor(wire: Wire) {
      super(wire, options);
    }
  };
}

/** The extension on `wire`, if `wire.use` was given one. */
export function pbtsOf(wire: Wire): PbtsReceiptExtension | undefined {
  const extension = (wire as unknown as Record<string, unknown>)[EXTENSION_NAME];
  return extension instanceof PbtsReceiptExtension ? extension : undefined;
}

/** Two token buckets, messages and bytes, each refilled at its rate up to one second's worth. */
class Budget {
  #messageTokens: number;
  #byteTokens: number;
  #at: number;

  constructor(
    readonly messages: number,
    readonly bytes: number,
    readonly now: () => number,
  ) {
    Budget.check(messages, bytes);
    this.#messageTokens = messages;
    this.#byteTokens = bytes;
    this.#at = now();
  }

  static check(messages: number | undefined, bytes: number | undefined): void {
    if (messages !== undefined && !(Number.isFinite(messages) && messages >= 1)) {
      throw new RangeError(`maxMessagesPerSecond must be at least 1, got ${messages}`);
    }
    // Below one full batch per second a well-behaved peer could never send one.
    if (bytes !== undefined && !(Number.isFinite(bytes) && bytes >= MAX_MESSAGE_BYTES)) {
      throw new RangeError(`maxBytesPerSecond must be at least ${MAX_MESSAGE_BYTES}, got ${bytes}`);
    }
  }

  /** Spends one message and `size` bytes; false when either bucket cannot pay. */
  take(size: number): boolean {
    const now = this.now();
    const seconds = Math.max(0, now - this.#at) / 1000;
    this.#at = now;
    this.#messageTokens = Math.min(this.messages, this.#messageTokens + seconds * this.messages);
    this.#byteTokens = Math.min(this.bytes, this.#byteTokens + seconds * this.bytes);
    if (this.#messageTokens < 1 || this.#byteTokens < size) return false;
    this.#messageTokens -= 1;
    this.#byteTokens -= size;
    return true;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
