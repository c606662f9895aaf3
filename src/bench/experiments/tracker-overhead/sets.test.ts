import { describe, expect, test } from 'vitest';
import { pieceRange, placeReportSets } from './sets.ts';

describe('placeReportSets', () => {
  test('default: sets of any report size get disjoint piece ranges, in order', () => {
    const placed = placeReportSets([
      { key: 'a', receiptsPerReport: 1, count: 7, users: 101 },
      { key: 'b', receiptsPerReport: 10, count: 3, users: 101 },
      { key: 'c', receiptsPerReport: 100, count: 2, users: 101 },
      { key: 'd', receiptsPerReport: 10, count: 4, users: 11 },
    ]);
    const ranges = placed.map(pieceRange);
    expect(ranges).toEqual([
      [0, 7],
      [10, 40],
      [100, 300],
      [300, 340],
    ]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  });

  test('error: a report needs a receiver per receipt besides its sender', () => {
    expect(() => placeReportSets([{ key: 'x', receiptsPerReport: 10, count: 1, users: 10 }])).toThrow(/need more than 10 users/);
  });
});
