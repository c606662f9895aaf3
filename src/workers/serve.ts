/**
 * The worker side of a {@link WorkerPool}: answers every job with `handle`'s result, or with its
 * error encoded by `encodeError` (default: the message), then tells the pool it is ready.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { type JobMessage, type JobReply, READY } from './pool.ts';

/** Serves the pool's jobs on this worker thread; call once, after the worker has loaded what it needs. */
export function serveJobs<J, R>(handle: (job: J) => R, encodeError: (error: unknown) => unknown = messageOf): void {
  const port = parentPort;
  if (port === null) throw new Error('serveJobs runs on a worker thread');
  port.on('message', ({ id, job }: JobMessage<J>) => {
    let reply: JobReply<R>;
    try {
      reply = { id, result: handle(job) };
    } catch (error) {
      reply = { id, error: encodeError(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage(READY);
}

function messageOf(error: unknown): { message: string } {
  return { message: error instanceof Error ? error.message : String(error) };
}
