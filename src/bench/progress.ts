/**
 * Which experiment and benchmark is running, how far it is and the elapsed time: one updating
 * line on a terminal, a plain line per benchmark in CI or when piped. run-all runs each
 * experiment in its own Vitest process and passes its place in the suite and its start time
 * (`PBTS_RUN_POSITION=2/4`, `PBTS_RUN_STARTED=<epoch ms>`), so the line counts the whole suite.
 * @module
 */

/** `1m 05s`, `42s`. */
export function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m ${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/** The progress of one run: benchmarks per experiment, done so far, and the current one. */
export class Progress {
  private readonly totals = new Map<string, number>();
  private readonly done = new Map<string, number>();
  private readonly started: number;
  private shown = '';

  /**
   * @param write where the line goes (stderr, so results on stdout stay clean)
   * @param live a terminal: one line redrawn in place
   */
  constructor(
    private readonly write: (text: string) => void,
    private readonly live: boolean,
    private readonly env: NodeJS.ProcessEnv = process.env,
    now = Date.now(),
  ) {
    const started = Number(env.PBTS_RUN_STARTED);
    this.started = Number.isFinite(started) && started > 0 ? started : now;
  }

  /** An experiment's benchmarks were collected. */
  collected(experiment: string, benchmarks: number): void {
    this.totals.set(experiment, benchmarks);
  }

  /** Line for a benchmark that starts (or `undefined` to clear). */
  line(experiment: string, benchmark: string, now = Date.now()): string {
    const position = this.env.PBTS_RUN_POSITION ? `experiment ${this.env.PBTS_RUN_POSITION}, ` : '';
    const done = this.done.get(experiment) ?? 0;
    const total = this.totals.get(experiment);
    return `[${position}${experiment} ${done + 1}/${total ?? '?'}, ${elapsed(now - this.started)}] ${benchmark}`;
  }

  /** A benchmark starts. */
  start(experiment: string, benchmark: string, now = Date.now()): void {
    const line = this.line(experiment, benchmark, now);
    if (this.live) {
      this.shown = line;
      this.write(`\r\x1b[2K${line}`);
    } else this.write(`progress: ${line}\n`);
  }

  /** A benchmark ended. */
  finish(experiment: string): void {
    this.done.set(experiment, (this.done.get(experiment) ?? 0) + 1);
  }

  /** Clears the live line before other output (it is redrawn by `redraw`). */
  clear(): void {
    if (this.live && this.shown) this.write('\r\x1b[2K');
  }

  /** Draws the live line again after other output. */
  redraw(): void {
    if (this.live && this.shown) this.write(this.shown);
  }

  /** The run is over: the live line goes away. */
  end(): void {
    this.clear();
    this.shown = '';
  }
}
