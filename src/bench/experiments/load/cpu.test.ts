import { describe, expect, test } from 'vitest';
import { sectionText } from '../../report/text.ts';
import { cpuPerRequestUs, cpuSection, otherCpuPercent } from './cpu.ts';
import { RUNS, cpu } from './fixture.ts';
import type { LoadRun } from './records.ts';

describe('otherCpuPercent', () => {
  test('default: machine CPU minus generator and tracker, percent of one core', () => {
    expect(otherCpuPercent(RUNS[0]!)).toBeCloseTo(15, 9);
  });

  test('behavior: unknown machine or run CPU gives null', () => {
    expect(otherCpuPercent({ ...RUNS[0]!, cpu: { ...cpu.cpu, machine_s: null } })).toBeNull();
    expect(otherCpuPercent({ ...RUNS[0]!, cpu: null })).toBeNull();
  });
});

describe('cpuPerRequestUs', () => {
  test('default: CPU seconds over the run requests, in microseconds', () => {
    // 40,000 announces: 1.9 s and 1.2 s.
    expect(cpuPerRequestUs(RUNS[0]!)).toEqual({ tracker: expect.closeTo(47.5, 9), generator: expect.closeTo(30, 9) });
  });

  test('behavior: a mixed run has no single request count', () => {
    expect(cpuPerRequestUs(RUNS.at(-1)!)).toBeNull();
  });
});

describe('cpuSection', () => {
  test('behavior: CPU taken by other processes is shown and warned about', () => {
    const busy: LoadRun = { ...RUNS[0]!, cpu: { wall_s: 2, generator_s: 0.8, tracker_s: 1.2, machine_s: 4 } };
    const text = sectionText(cpuSection([busy], 2)!);
    // 40,000 announces: tracker 30 us, generator 20 us each.
    expect(text).toMatch(/^announce\s+10\s+40%\s+60%\s+100%\s+30\s+20$/m);
    expect(text).toContain('WARNING: other processes on this machine used up to 100% of a core');
    expect(sectionText(cpuSection([RUNS[0]!], 2)!)).not.toContain('WARNING');
  });

  test('behavior: no section when no run measured its CPU', () => {
    expect(cpuSection([{ ...RUNS[0]!, cpu: null }], 2)).toBeUndefined();
  });
});
