import { describe, expect, test } from 'vitest';
import { MAX_WAITING_PER_ADDRESS, POP_CHECKS_PER_ADDRESS, RegistrationLimit } from './registration-limit.ts';

const setup = (burst = 3, perMinute = 6) => {
  let now = 1_000_000;
  const config = { registrationRefusalBurst: burst, registrationRefusalsPerMinute: perMinute, registrationChecksPerVerifier: 4 };
  const limit = new RegistrationLimit({ config, verifiers: 2, now: () => now });
  return { limit, advance: (ms: number) => (now += ms) };
};

describe('RegistrationLimit', () => {
  test('default: an address may be refused `burst` times, then waits for a token at the per-minute rate', () => {
    const { limit, advance } = setup(3, 6);
    for (let i = 0; i < 3; i++) {
      expect(limit.retryAfter('a')).toBeUndefined();
      limit.refused('a');
    }
    // 6 a minute: one token every 10 s.
    expect(limit.retryAfter('a')).toBe(10);
    advance(4_000);
    expect(limit.retryAfter('a')).toBe(6);
    advance(6_000);
    expect(limit.retryAfter('a')).toBeUndefined();
    // Another address has its own bucket.
    expect(limit.retryAfter('b')).toBeUndefined();
    // Refills stop at the burst.
    advance(3_600_000);
    for (let i = 0; i < 3; i++) limit.refused('a');
    expect(limit.retryAfter('a')).toBe(10);
  });

  test('behavior: refusals of checks already running leave a debt that lengthens the wait', () => {
    const { limit } = setup(1, 6);
    limit.refused('a');
    limit.refused('a');
    expect(limit.retryAfter('a')).toBe(20);
  });

  test('behavior: at most POP_CHECKS_PER_ADDRESS proof checks per address run at once; the next waits its turn', async () => {
    const { limit } = setup();
    const releases = await Promise.all(Array.from({ length: POP_CHECKS_PER_ADDRESS }, () => limit.slot('a')));
    let third: (() => void) | undefined;
    const waiting = limit.slot('a').then((release) => (third = release));
    const other = await limit.slot('b');
    expect(other).toBeTypeOf('function');
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBeUndefined();
    releases[0]!();
    releases[0]!(); // a second release is a no-op
    await waiting;
    expect(third).toBeTypeOf('function');
  });

  test('error: past MAX_WAITING_PER_ADDRESS waiting registrations the next gets no slot', async () => {
    const { limit } = setup();
    for (let i = 0; i < POP_CHECKS_PER_ADDRESS; i++) await limit.slot('a');
    for (let i = 0; i < MAX_WAITING_PER_ADDRESS; i++) void limit.slot('a');
    expect(await limit.slot('a')).toBeUndefined();
    expect(await limit.slot('b')).toBeTypeOf('function');
  });

  test('behavior: over all addresses at most registrationChecksPerVerifier checks per verifier run at once; past it none is taken, without waiting', () => {
    const { limit } = setup();
    expect(limit.maxChecks).toBe(8);
    const running = Array.from({ length: 8 }, () => limit.check());
    expect(running.every((release) => typeof release === 'function')).toBe(true);
    expect(limit.check()).toBeUndefined();
    running[0]!();
    running[0]!(); // a second release is a no-op
    expect(limit.check()).toBeTypeOf('function');
    expect(limit.check()).toBeUndefined();
    const samples = Object.fromEntries(limit.samples().map((sample) => [sample.name, sample.value]));
    expect(samples).toMatchObject({ pbts_register_busy_total: 2, pbts_register_checks_running: 8, pbts_register_limit_checks: 8 });
  });
});
