/**
 * Signs a slice of the load experiment's reports in its own process (the bench starts one per
 * core, so pre-signing takes half the time on two): `node --import tsx bench/load/sign.ts JOB OUT`
 * writes one JSON body per line to OUT.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { getBackend } from '../../src/receipts/index.ts';
import { type ReportJob, reportBody, userKeys } from './workload.ts';

const [jobJson, out] = process.argv.slice(2);
if (jobJson === undefined || out === undefined) throw new Error('usage: sign.ts JOB_JSON OUT_FILE');
const job = JSON.parse(jobJson) as ReportJob;
const backend = getBackend('blst');
const keys = userKeys(backend, job.seed, job.users);
const lines: string[] = [];
for (let g = job.first; g < job.first + job.count; g++) lines.push(reportBody(backend, job, keys, g));
writeFileSync(out, `${lines.join('\n')}\n`);
