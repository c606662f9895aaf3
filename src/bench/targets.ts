/** One target of DESIGN.md checked against a run: printed and recorded, never asserted. */
export interface TargetCheck {
  name: string;
  target: string;
  /** The measured figure; null when this run did not measure it. */
  value: number | null;
  unit: string;
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
): TargetCheck {
  const measured = value !== undefined && value !== null;
  return {
    name,
    target,
    value: measured ? value : null,
    unit,
    pass: measured ? pass(value) : null,
    note: measured ? note : 'not measured in this run',
  };
}

/** `  [PASS] name: value (target ...; note)`, the figure written by `format`. */
export function targetLine(check: TargetCheck, format: (value: number) => string): string {
  const verdict = check.pass === null ? 'n/a ' : check.pass ? 'PASS' : 'FAIL';
  const value = check.value === null ? '-' : format(check.value);
  return `  [${verdict}] ${check.name}: ${value} (target ${check.target}; ${check.note})`;
}
