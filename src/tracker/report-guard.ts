/**
 * Cheap defences of `POST /report` that run before the expensive work: a bounded memory of
 * refused reports (by a digest of the body, checked before it is parsed, and by a digest of what
 * a failed verification was given, checked before it is verified again), and a per-address
 * budget of report bytes (a token bucket, checked on the declared length before the body is
 * read).
 * @module
 */
import { isIPv6 } from 'node:net';

/** A least-recently-used map of at most `capacity` entries. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Per-key token buckets of bytes, refilled at `rate` per second up to `burst`; at most `maxKeys` keys. */
export class ByteBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number,
    private readonly maxKeys = 65_536,
  ) {}

  /** The bytes `key` may send now. */
  available(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return this.burst;
    return Math.min(this.burst, bucket.tokens + ((this.now() - bucket.at) / 1000) * this.rate);
  }

  /** Takes `bytes` from `key`'s bucket; false (and nothing taken) when it does not hold them. */
  take(key: string, bytes: number): boolean {
    const tokens = this.available(key);
    if (bytes > tokens) return false;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - bytes, at: this.now() });
    // The oldest-touched buckets go first; a full bucket forgotten loses nothing.
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return true;
  }
}

/**
 * The key a client is limited by: an IPv4 address, or the /64 prefix of an IPv6 one (one
 * subscriber's LAN: a client holding a /64 must not get 2^64 budgets); `unknown` when none.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  if (!isIPv6(address)) return address;
  const bare = address.split('%')[0]!;
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail is two groups, but it never reaches into the first four.
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16)).join(':')}::/64`;
}

/** Which bound {@link PendingBytes.take} refused: the key's, or the total's. */
export type PendingRefusal = 'key' | 'total';

/**
 * Bytes held by work under way (bodies waiting for a worker), bounded per key and in total. A
 * key holding nothing always gets one piece of work, however large, so no body is refused forever.
 */
export class PendingBytes {
  private readonly byKey = new Map<string, number>();
  private held = 0;

  constructor(
    readonly perKey: number,
    readonly total: number,
  ) {}

  /** All bytes held now. */
  get size(): number {
    return this.held;
  }

  /** Holds `bytes` for `key`, or says which bound refuses them (nothing held then). */
  take(key: string, bytes: number): PendingRefusal | undefined {
    const mine = this.byKey.get(key) ?? 0;
    if (mine > 0 && mine + bytes > this.perKey) return 'key';
    if (this.held > 0 && this.held + bytes > this.total) return 'total';
    this.byKey.set(key, mine + bytes);
    this.held += bytes;
    return undefined;
  }

  /** Lets go of `bytes` that `key` held. */
  release(key: string, bytes: number): void {
    const left = (this.byKey.get(key) ?? 0) - bytes;
    if (left > 0) this.byKey.set(key, left);
    else this.byKey.delete(key);
    this.held -= bytes;
  }
}
