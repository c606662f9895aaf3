import { afterEach, describe, expect, test, vi } from 'vitest';
import { describeMachine, machineProfile } from './machine.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('describeMachine', () => {
  test('default', () => {
    vi.stubEnv('PBTS_BASELINE_PROFILE', '');
    const m = describeMachine();
    expect(typeof m.cpu_model).toBe('string');
    expect(Number.isInteger(m.cores) && m.cores > 0).toBe(true);
    expect(m.total_memory_gib).toBeGreaterThan(0);
    expect(m.platform).toBe(process.platform);
    expect(m.arch).toBe(process.arch);
    expect(m.node_version).toBe(process.version);
    expect(m.git_commit === null || /^[0-9a-f]{4,40}$/.test(m.git_commit)).toBe(true);
    expect(new Date(m.date).toISOString()).toBe(m.date);
    expect(m.profile).toBe(`${process.platform}-${process.arch}-${m.cores}core`);
  });

  test('behavior: PBTS_BASELINE_PROFILE overrides the profile', () => {
    vi.stubEnv('PBTS_BASELINE_PROFILE', 'ci-runner');
    expect(describeMachine().profile).toBe('ci-runner');
  });

  test('error: a profile that is not a plain file name', () => {
    vi.stubEnv('PBTS_BASELINE_PROFILE', '../elsewhere');
    expect(() => machineProfile()).toThrow(/PBTS_BASELINE_PROFILE/);
  });
});
