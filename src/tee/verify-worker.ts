// Runs attestation verification for a VerifierPool on its own thread.
import { serveJobs } from '../workers/serve.ts';
import type { VerifyJob } from './verify-pool.ts';
import { type VerificationResult, verifyAttestationSync, verifyQuoteSync } from './verify.ts';

serveJobs<VerifyJob, VerificationResult>((job) =>
  job.kind === 'quote'
    ? verifyQuoteSync(job.quote, job.collateral, job.options)
    : verifyAttestationSync(job.evidence, job.collateral, job.options),
);
