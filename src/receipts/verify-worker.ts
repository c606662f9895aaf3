// Runs BLS verification for a VerifyPool on its own thread, so the tracker's event loop keeps
// serving announces while a large report is checked.
import { parentPort } from 'node:worker_threads';
import { getBackend } from './backend.ts';
import type { VerifyTask, VerifyReply } from './pool.ts';

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
