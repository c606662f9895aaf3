// Runs attestation verification for a VerifierPool on its own thread.
import { parentPort } from 'node:worker_threads';
import type { VerifyJob, VerifyJobReply } from './verify-pool.ts';
import { verifyAttestationSync, verifyQuoteSync } from './verify.ts';

parentPort!.on('message', ({ id, job }: { id: number; job: VerifyJob }) => {
  let reply: VerifyJobReply;
  try {
    const result =
      job.kind === 'quote'
        ? verifyQuoteSync(job.quote, job.collateral, job.options)
        : verifyAttestationSync(job.evidence, job.collateral, job.options);
    reply = { id, result };
  } catch (error) {
    reply = { id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
