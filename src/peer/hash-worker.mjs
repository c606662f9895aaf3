// Piece hashing on its own thread (see piece-hasher.ts): SHA-1, which decides whether a piece
// counts, and optionally SHA-256, the hash a PBTS receipt signs, of a piece the engine holds
// in shared memory, so neither costs the download's event loop. Plain JavaScript, started
// without the TypeScript loader, for the reason crypto-worker.mjs gives. It speaks the
// WorkerPool's protocol (src/workers/pool.ts).
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ({ id, job }) => {
  let reply;
  try {
    const sha1 = new Uint8Array(createHash('sha1').update(job.data).digest());
    const sha256 = job.sha256 ? new Uint8Array(createHash('sha256').update(job.data).digest()) : undefined;
    reply = { id, result: { sha1, sha256 } };
  } catch (error) {
    reply = { id, error: { message: error instanceof Error ? error.message : String(error) } };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage('ready');
