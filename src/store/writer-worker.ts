// The report writer's thread (see writer.ts): its own connection to the store, one IMMEDIATE
// transaction per report, the commit's fsync here rather than on the tracker's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from './sqlite.ts';
import { type CommitReply, type CommitTask, toCommitError } from './writer.ts';

const store = openStore({ dataDir: (workerData as { dataDir: string }).dataDir });
const port = parentPort!;

port.on('message', ({ id, report }: CommitTask) => {
  let reply: CommitReply;
  try {
    reply = { id, outcome: store.applyReport(report) };
  } catch (error) {
    reply = { id, error: toCommitError(error) };
  }
  port.postMessage(reply);
});
port.postMessage('ready');
