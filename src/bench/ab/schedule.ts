/**
 * The order of an A/B run. Every round runs the base, the head and the control (the base
 * again) once, one right after another, so the three see the same minute of a shared machine.
 * The head always runs in the middle, next to both; the base and the control swap ends from one
 * round to the next (base, head, control, then control, head, base, ...), so a machine that
 * slows down or speeds up during the run favours neither over pairs of rounds.
 * @module
 */

/** A tree's part in an A/B run: the control is the base tree run again, for this run's noise. */
export type Side = 'base' | 'head' | 'control';

/** One run of the schedule. */
export interface ScheduledRun {
  /** 1-based. */
  round: number;
  side: Side;
}

/** The runs of `rounds` rounds, in the order they run. */
export function schedule(rounds: number): ScheduledRun[] {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${rounds}`);
  const runs: ScheduledRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['base', 'head', 'control'] : ['control', 'head', 'base'];
    for (const side of order) runs.push({ round, side });
  }
  return runs;
}
