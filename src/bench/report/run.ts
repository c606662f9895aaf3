// Moved to src/bench/run/run.ts; this re-export goes once html.ts imports from there.
export type { RunEntry, RunReport } from '../run/run.ts';
