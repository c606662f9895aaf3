import { describe, expect, test } from 'vitest';
import { projectAnnualCost } from './cost.ts';

describe('projectAnnualCost', () => {
  test('default: reference frequencies and users, 30 gwei and $3000', () => {
    const rows = projectAnnualCost(10_000, null, 30, 3000);
    expect(rows.map((r) => [r.frequency, r.users, r.updates_per_year])).toEqual([
      ['per-transfer (10/day)', 100, 365_000],
      ['per-transfer (10/day)', 1_000, 3_650_000],
      ['per-transfer (10/day)', 10_000, 36_500_000],
      ['hourly', 100, 876_000],
      ['hourly', 1_000, 8_760_000],
      ['hourly', 10_000, 87_600_000],
      ['daily', 100, 36_500],
      ['daily', 1_000, 365_000],
      ['daily', 10_000, 3_650_000],
      ['weekly', 100, 5_200],
      ['weekly', 1_000, 52_000],
      ['weekly', 10_000, 520_000],
    ]);
    // 52 * 100 * 10,000 gas * 30 gwei = 1.56 ETH = $4,680.
    expect(rows[9]!.estimated_eth).toBeCloseTo(1.56);
    expect(rows[9]!.estimated_usd).toBeCloseTo(4680);
    expect(rows[9]!.unbatched_estimated_usd).toBeNull();
  });

  test('behavior: the unbatched figures use the single-update gas', () => {
    const row = projectAnnualCost(10_000, 40_000, 30, 3000)[9]!;
    expect(row.unbatched_total_gas).toBe(5_200 * 40_000);
    expect(row.unbatched_estimated_eth).toBeCloseTo(6.24);
    expect(row.unbatched_estimated_usd).toBeCloseTo(18_720);
  });
});
