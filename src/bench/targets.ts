/**
 * Targets of DESIGN.md checked against a run: one format everywhere, printed and recorded,
 * never asserted.
 * @module
 */
import { type NumberFormat, formatNumber } from './report/model.ts';

/** One target checked against a run. */
export interface TargetCheck {
  name: string;
  target: string;
  /** The measured figure; null when this run did not measure it. */
  value: number | null;
  unit: string;
  /** How the figure prints (default: 2 decimals for `ms` and `x`, none otherwise, grouped). */
  format?: NumberFormat;
  /** null when not measured. */
  pass: boolean | null;
  note: string;
}

/** Checks `value` against `pass`; an absent value is "not measured in this run", neither pass nor fail. */
export function targetCheck(
  name: string,
  target: string,
  value: number | null | undefined,
  unit: string,
  pass: (value: number) => boolean,
  note: string,
  format?: NumberFormat,
): TargetCheck {
  const measured = value !== undefined && value !== null;
  return {
    name,
    target,
    value: measured ? value : null,
    unit,
    ...(format && { format }),
    pass: measured ? pass(value) : null,
    note: measured ? note : 'not measured in this run',
  };
}

/** The figure of a check with its unit: `3.20x`, `8.00 ms`, `32,000 req/s`, or `-`. */
export function targetValue(check: TargetCheck): string {
  if (check.value === null) return '-';
  const format = check.format ?? { digits: check.unit === 'ms' || check.unit === 'x' ? 2 : 0, grouped: true };
  return `${formatNumber(check.value, format)}${check.unit === 'x' ? 'x' : ` ${check.unit}`}`;
}

/** `  [PASS] name: value (target ...; note)`: the one target line of every experiment. */
export function targetLine(check: TargetCheck): string {
  const verdict = check.pass === null ? 'n/a ' : check.pass ? 'PASS' : 'FAIL';
  return `  [${verdict}] ${check.name}: ${targetValue(check)} (target ${check.target}; ${check.note})`;
}
