/**
 * Long-running commands (`pbts tracker`, `pbts dstack-sim`) serve until SIGINT or SIGTERM, then
 * shut down gracefully.
 * @module
 */

/** Resolves at the first SIGINT or SIGTERM, after saying which one came. */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
