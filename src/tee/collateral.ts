/**
 * Where DCAP collateral (TCB info, QE identity, CRLs and their issuer chains) comes from: a JSON
 * file or object for offline use, a PCCS URL (Intel's PCS API shape; the simulator serves it
 * too), and a cache in front of either, keyed by the quote's FMSPC and PCK CA, kept until the
 * collateral's nextUpdate. Collateral changes about monthly, so a warm verifier makes no request.
 * @module
 */
import { readFileSync } from 'node:fs';
import { type Collateral, Quote, getCollateral, intel } from '@phala/dcap-qvl';

/** Gives the collateral to verify a quote with at a given time. */
export interface CollateralSource {
  /** Collateral for `quote` at `nowMs` (Unix milliseconds). */
  get(quote: Uint8Array, nowMs: number): Promise<Collateral>;
  /** What the source is, for results and logs. */
  readonly description: string;
}

/** Error for collateral that could not be obtained or read. */
export class CollateralUnavailableError extends Error {
  override name = 'CollateralUnavailableError';
}

const STRING_FIELDS = ['pck_crl_issuer_chain', 'tcb_info_issuer_chain', 'tcb_info', 'qe_identity_issuer_chain', 'qe_identity'] as const;
const BYTES_FIELDS = ['root_ca_crl', 'pck_crl', 'tcb_info_signature', 'qe_identity_signature'] as const;

/** `value` as dcap-qvl collateral; throws {@link CollateralUnavailableError} when a field is missing or mistyped. */
export function asCollateral(value: unknown): Collateral {
  if (typeof value !== 'object' || value === null) throw new CollateralUnavailableError('collateral must be a JSON object');
  const record = value as Record<string, unknown>;
  for (const field of STRING_FIELDS) {
    if (typeof record[field] !== 'string') throw new CollateralUnavailableError(`collateral.${field} must be a string`);
  }
  for (const field of BYTES_FIELDS) {
    const item = record[field];
    if (typeof item !== 'string' && !Array.isArray(item)) throw new CollateralUnavailableError(`collateral.${field} must be hex or a byte array`);
  }
  return value as Collateral;
}

/** Unix milliseconds after which `collateral` must not be used: the earlier nextUpdate of TCB info and QE identity. */
export function collateralNextUpdate(collateral: Collateral): number {
  const next = (json: string) => Date.parse((JSON.parse(json) as { nextUpdate?: string }).nextUpdate ?? '');
  const ms = Math.min(next(collateral.tcb_info), next(collateral.qe_identity));
  if (!Number.isFinite(ms)) throw new CollateralUnavailableError('collateral has no valid nextUpdate');
  return ms;
}

/** Cache key of a quote's collateral: FMSPC and PCK CA type (processor or platform). */
export function collateralKey(quote: Uint8Array): string {
  const parsed = Quote.parse(quote);
  return `${Buffer.from(intel.getFmspc(parsed)).toString('hex').toUpperCase()}/${intel.getCa(parsed)}`;
}

/** A fixed collateral object (e.g. a pinned fixture, or the simulator's), whatever the quote. */
export function staticCollateral(collateral: Collateral, description = 'static collateral'): CollateralSource {
  const fixed = asCollateral(collateral);
  return { description, get: async () => fixed };
}

/** Collateral read once from a JSON file (offline use); throws now if the file is unreadable. */
export function collateralFromFile(path: string): CollateralSource {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CollateralUnavailableError(`cannot read collateral file ${path}: ${(error as Error).message}`);
  }
  return staticCollateral(asCollateral(parsed), `file ${path}`);
}

/** Options of {@link pccsCollateral}. */
export interface PccsOptions {
  /** Give up after this long (ms) for the four requests together; default 30 s, as the SDK's. */
  timeoutMs?: number;
}

/**
 * Collateral fetched from a PCCS (or Intel PCS) at `url` by dcap-qvl's `getCollateral`: four
 * sequential GETs per call, no caching (put a {@link CollateralCache} in front).
 */
export function pccsCollateral(url: string, options: PccsOptions = {}): CollateralSource {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    description: `PCCS ${url}`,
    get: async (quote) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return asCollateral(await Promise.race([getCollateral(url, quote), timeout]));
      } catch (error) {
        throw new CollateralUnavailableError(`collateral from ${url}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

interface CacheEntry {
  collateral: Collateral;
  nextUpdateMs: number;
}

/**
 * Caches another source's collateral per FMSPC and PCK CA until its nextUpdate; concurrent misses
 * for one key share a fetch. Cached collateral drops `pck_certificate_chain`, which dcap-qvl
 * would otherwise prefer over the chain inside the next quote (another platform's PCK certificate).
 */
export class CollateralCache implements CollateralSource {
  readonly description: string;
  /** Calls answered from the cache, and calls that went to the source. */
  readonly stats = { hits: 0, misses: 0 };
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  constructor(private readonly source: CollateralSource) {
    this.description = `cached ${source.description}`;
  }

  async get(quote: Uint8Array, nowMs: number): Promise<Collateral> {
    let key: string;
    try {
      key = collateralKey(quote);
    } catch (error) {
      throw new CollateralUnavailableError(`cannot tell the quote's FMSPC: ${(error as Error).message}`);
    }
    const entry = this.entries.get(key);
    if (entry && nowMs < entry.nextUpdateMs) {
      this.stats.hits++;
      return entry.collateral;
    }
    this.stats.misses++;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(quote, nowMs).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const fresh = await pending;
    this.entries.set(key, fresh);
    return fresh.collateral;
  }

  /** Forgets everything cached. */
  clear(): void {
    this.entries.clear();
  }

  private async fetch(quote: Uint8Array, nowMs: number): Promise<CacheEntry> {
    const { pck_certificate_chain: _platformSpecific, ...collateral } = (await this.source.get(quote, nowMs)) as Collateral & {
      pck_certificate_chain?: string;
    };
    return { collateral, nextUpdateMs: collateralNextUpdate(collateral) };
  }
}
