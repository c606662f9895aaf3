import { describe, expect, test } from 'vitest';
import { schedule } from './schedule.ts';

describe('schedule', () => {
  test('default', () => {
    expect(schedule(2).map((run) => `${run.round}:${run.side}`)).toEqual([
      '1:base', '1:head', '1:control',
      '2:control', '2:head', '2:base',
    ]);
  });

  test('behavior: every round runs each side once, the head in the middle', () => {
    const runs = schedule(5);
    for (let round = 1; round <= 5; round++) {
      const sides = runs.filter((run) => run.round === round).map((run) => run.side);
      expect([...sides].sort()).toEqual(['base', 'control', 'head']);
      expect(sides[1]).toBe('head');
    }
  });

  test('behavior: over two rounds the base and the control hold each end once', () => {
    const positions = (side: string) => schedule(4).flatMap((run, i) => (run.side === side ? [i % 3] : []));
    expect(positions('base')).toEqual([0, 2, 0, 2]);
    expect(positions('control')).toEqual([2, 0, 2, 0]);
  });

  test('error: rounds not a positive integer', () => {
    expect(() => schedule(0)).toThrow(/positive integer/);
    expect(() => schedule(1.5)).toThrow(/positive integer/);
  });
});
