// The report writer's thread (see writer.ts): its own connection to the store, one IMMEDIATE
// transaction per report, the commit's fsync here rather than on the tracker's event loop; and
// the collection of old spent ids, in steps.
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../workers/serve.ts';
import { openStore } from './sqlite.ts';
import type { ReportOutcome } from './types.ts';
import { type WriterJob, toCommitError } from './writer.ts';

const store = openStore({ dataDir: (workerData as { dataDir: string }).dataDir });
serveJobs<WriterJob, ReportOutcome | number>(
  (job) => (job.kind === 'commit' ? store.applyReport(job.report) : store.gcSpent(job.oldestEpochToKeep, job.limit)),
  toCommitError,
);
