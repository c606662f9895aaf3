// Runs BLS verification and report checks for a VerifyPool on its own thread, so the tracker's
// event loop keeps serving announces while a large report is parsed and verified.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getBackend } from './backend.ts';
import { serveJobs } from '../workers/serve.ts';
import type { VerifyJob, VerifyResult } from './pool.ts';
import { checkReportBytes } from './report-check.ts';

// Verification is the tracker's background work. On Linux this thread (and blst's pool threads,
// which it starts and which inherit its policy) runs SCHED_IDLE: only on CPU time no other
// thread wants, and preempted at once when the announce thread or anything else wakes up.
// Nice 19 alone was not enough: the kernel lets a nice-19 thread finish its time slice (about a
// millisecond) before a woken thread runs: announce p99 during receipt bursts was 10.2-11.5 ms
// with nice 19 and 9.5-10.3 ms with SCHED_IDLE in three paired runs.
// Without chrt (util-linux) nice 19 is used; elsewhere verification runs at normal priority.
lowerPriority();

function lowerPriority(): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // Not Linux.
  }
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 2_000 });
    return;
  } catch {
    // No chrt: fall back to nice.
  }
  try {
    setPriority(tid, 19);
  } catch {
    // Not allowed: normal priority.
  }
}

serveJobs<VerifyJob, VerifyResult>((task) => {
  if (task.kind === 'report') return checkReportBytes(task.body, task.window);
  const backend = getBackend(task.backend);
  if (task.kind === 'aggregate') return backend.aggregateVerify(task.publicKeys, task.messages, task.signatures[0]!);
  if (task.kind === 'pop') return backend.popVerify(task.publicKeys[0]!, task.signatures[0]!);
  return task.publicKeys.map((pk, i) => backend.verify(pk, task.messages[i]!, task.signatures[i]!));
});
