// The report writer's thread (see writer.ts): its own connection to the store, one IMMEDIATE
// transaction per report, the commit's fsync here rather than on the tracker's event loop.
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../workers/serve.ts';
import { openStore } from './sqlite.ts';
import type { ReportInput, ReportOutcome } from './types.ts';
import { toCommitError } from './writer.ts';

const store = openStore({ dataDir: (workerData as { dataDir: string }).dataDir });
serveJobs<ReportInput, ReportOutcome>((report) => store.applyReport(report), toCommitError);
