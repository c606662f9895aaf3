/**
 * The bounds on what registrations may cost the verifiers. A registration's proof of possession
 * costs about 47 ms of a verifier; a client sending bad ones could otherwise keep the verifiers
 * busy. Each client address (an IPv6 client: its /64, proxy trust applied, as for the report
 * limits) has a token bucket of refusals: every refused registration past the cheap checks (bad
 * key, bad signature or proof, bad invite) takes a token, and an address without one is refused
 * `429` before its proof is verified. Proofs are also checked at most {@link POP_CHECKS_PER_ADDRESS}
 * at a time per address (the rest wait their turn), so a burst of concurrent bad registrations
 * cannot all pass the bucket before the first of them is refused, and never holds more than that
 * many verifiers; a successful registration takes no token. Over all addresses at most
 * `registrationChecksPerVerifier` checks per verifier thread run at once, and a registration past
 * that is refused `503` at once: the per-address bounds alone let many addresses (a botnet) keep
 * every verifier busy, and reports are verified on the same threads.
 * @module
 */
import type { TrackerConfig } from './config.ts';
import type { Sample } from './metrics.ts';

/** Proof checks one address may have running at once; more wait. */
export const POP_CHECKS_PER_ADDRESS = 2;
/** Registrations one address may have waiting for a proof check; more are refused `429`. */
export const MAX_WAITING_PER_ADDRESS = 1024;

/** Options of a {@link RegistrationLimit}. */
export interface RegistrationLimitOptions {
  /** The live settings (burst and rate are read at every use). */
  config: Pick<TrackerConfig, 'registrationRefusalBurst' | 'registrationRefusalsPerMinute' | 'registrationChecksPerVerifier'>;
  /** Verifier threads the checks run on (the pool's size). */
  verifiers: number;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
  /** Buckets kept at most (the least recently touched go first: a forgotten bucket is a full one). */
  maxKeys?: number;
}

/** Refusal buckets and proof-check slots per client address, and the checks running over all. */
export class RegistrationLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly slots = new Map<string, { running: number; waiting: (() => void)[] }>();
  private readonly now: () => number;
  private readonly maxKeys: number;
  private checking = 0;
  private counts = { limited: 0, busy: 0, refusals: 0, popChecks: 0 };

  constructor(private readonly options: RegistrationLimitOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 65_536;
  }

  private get burst(): number {
    return this.options.config.registrationRefusalBurst;
  }

  /** Tokens regained per millisecond. */
  private get rate(): number {
    return this.options.config.registrationRefusalsPerMinute / 60_000;
  }

  private tokens(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return this.burst;
    return Math.min(this.burst, bucket.tokens + (this.now() - bucket.at) * this.rate);
  }

  /**
   * Undefined when `key` may register now; otherwise the whole seconds until it may (for
   * `Retry-After`), counted as a limited request.
   */
  retryAfter(key: string): number | undefined {
    const tokens = this.tokens(key);
    if (tokens >= 1) return undefined;
    this.counts.limited++;
    return Math.max(1, Math.ceil((1 - tokens) / this.rate / 1000));
  }

  /** A refused registration from `key`: takes a token (concurrent checks may leave a debt). */
  refused(key: string): void {
    this.counts.refusals++;
    const tokens = this.tokens(key) - 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, at: this.now() });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }

  /**
   * Waits for one of `key`'s proof-check slots; resolves with its release function, or with
   * undefined (at once) when too many of `key`'s registrations wait already.
   */
  async slot(key: string): Promise<(() => void) | undefined> {
    let entry = this.slots.get(key);
    if (entry === undefined) {
      entry = { running: 0, waiting: [] };
      this.slots.set(key, entry);
    }
    if (entry.running >= POP_CHECKS_PER_ADDRESS) {
      if (entry.waiting.length >= MAX_WAITING_PER_ADDRESS) {
        this.counts.limited++;
        return undefined;
      }
      await new Promise<void>((resolve) => entry.waiting.push(resolve));
    } else {
      entry.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter; `running` stays.
      const next = entry.waiting.shift();
      if (next !== undefined) return next();
      if (--entry.running === 0) this.slots.delete(key);
    };
  }

  /** Checks that may run at once over all addresses. */
  get maxChecks(): number {
    return this.options.config.registrationChecksPerVerifier * this.options.verifiers;
  }

  /**
   * Takes one of the checks that may run at once over all addresses: its release function, or
   * undefined when all are taken (counted as busy). Never waits: a flood must not queue up
   * registrations behind it, and a client told to retry costs nothing meanwhile.
   */
  check(): (() => void) | undefined {
    if (this.checking >= this.maxChecks) {
      this.counts.busy++;
      return undefined;
    }
    this.checking++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.checking--;
    };
  }

  /** A proof of possession is being verified (counted for `/metrics`). */
  popCheck(): void {
    this.counts.popChecks++;
  }

  /** The counters and limits for `/metrics`. */
  samples(): Sample[] {
    return [
      { name: 'pbts_register_rate_limited_total', help: 'Registrations refused 429: their address had no refusals left.', type: 'counter', value: this.counts.limited },
      { name: 'pbts_register_busy_total', help: 'Registrations refused 503: every check over all addresses was taken.', type: 'counter', value: this.counts.busy },
      { name: 'pbts_register_counted_refusals_total', help: 'Refused registrations counted against their address (bad key, bad signature or proof, bad invite).', type: 'counter', value: this.counts.refusals },
      { name: 'pbts_register_pop_checks_total', help: 'Proofs of possession verified at registration.', type: 'counter', value: this.counts.popChecks },
      { name: 'pbts_register_checks_running', help: 'Registrations whose signatures are being verified now.', type: 'gauge', value: this.checking },
      { name: 'pbts_register_limit_refusal_burst', help: 'Refused registrations one address may make in a burst.', type: 'gauge', value: this.burst },
      { name: 'pbts_register_limit_refusals_per_minute', help: 'Refused registrations one address regains per minute.', type: 'gauge', value: this.options.config.registrationRefusalsPerMinute },
      { name: 'pbts_register_limit_checks', help: 'Registrations whose signatures may be verified at once over all addresses.', type: 'gauge', value: this.maxChecks },
    ];
  }
}
