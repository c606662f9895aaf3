// Runs BLS verification for a VerifyPool on its own thread, so the tracker's event loop keeps
// serving announces while a large report is checked.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { getBackend } from './backend.ts';
import type { VerifyTask, VerifyReply } from './pool.ts';

// Verification is the tracker's background work: at the lowest priority (nice 19) the kernel lets
// the thread answering announces run first when the cores are busy, so a burst of reports does
// not stall announces. Linux gives each thread its own nice value; elsewhere this is skipped.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split("/").pop()), 19);
} catch {
  // Not Linux, or not allowed: verification runs at normal priority.
}

parentPort!.on('message', (task: VerifyTask) => {
  let reply: VerifyReply;
  try {
    const backend = getBackend(task.backend);
    let result: boolean | boolean[];
    if (task.kind === 'aggregate') {
      result = backend.aggregateVerify(task.publicKeys, task.messages, task.signatures[0]!);
    } else if (task.kind === 'pop') {
      result = backend.popVerify(task.publicKeys[0]!, task.signatures[0]!);
    } else {
      result = task.publicKeys.map((pk, i) => backend.verify(pk, task.messages[i]!, task.signatures[i]!));
    }
    reply = { id: task.id, result };
  } catch (error) {
    reply = { id: task.id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
