// The report writer's thread (see writer.ts): its own connection to the store, one IMMEDIATE
// transaction per report, the commit's fsync here rather than on the tracker's event loop; the
// collection of old spent ids, in steps; and batches of snatch counts.
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../workers/serve.ts';
import { openStore } from './sqlite.ts';
import type { ReportOutcome } from './types.ts';
import { type WriterJob, toCommitError } from './writer.ts';

const store = openStore({ dataDir: (workerData as { dataDir: string }).dataDir });
serveJobs<WriterJob, ReportOutcome | number | undefined>((job) => {
  switch (job.kind) {
    case 'commit':
      return store.applyReport(job.report);
    case 'collect':
      return store.gcSpent(job.oldestEpochToKeep, job.limit);
    case 'snatches':
      store.recordSnatches(job.counts);
      return undefined;
  }
}, toCommitError);
