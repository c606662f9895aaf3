import { expect, test } from 'vitest';
import { calibrate } from './calibration.ts';

test('default: the calibration workload takes a positive, finite time', () => {
  const ms = calibrate();
  expect(ms).toBeGreaterThan(0);
  expect(Number.isFinite(ms)).toBe(true);
});
