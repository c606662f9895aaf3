// The signature work of a PBTS peer on its own thread (see crypto.ts): blst signatures and
// verifications of receipt messages, so the download's event loop keeps reading blocks meanwhile.
// Plain JavaScript on purpose: Node 20 gives worker threads no TypeScript loader, and this
// starts in milliseconds where registering tsx here would compile for a third of a second at
// every receipts-on peer's start. It speaks the WorkerPool's protocol (src/workers/pool.ts).
import blst from '@chainsafe/blst';
import { parentPort, workerData } from 'node:worker_threads';

const secretKey = workerData.secretKey ? blst.SecretKey.fromBytes(workerData.secretKey) : undefined;

function handle(job) {
  switch (job.op) {
    case 'sign':
      return job.messages.map((message) => secretKey.sign(message).toBytes(true));
    case 'aggregate':
      // Parsed with the subgroup checks, as the tracker will.
      return blst.aggregateSignatures(job.signatures.map((s) => blst.Signature.fromBytes(s, true, true))).toBytes(true);
    case 'verify': {
      // One check with random coefficients for the whole batch (about half the cost of one
      // verification each); only a failed batch is looked into receipt by receipt.
      const sets = [];
      for (let i = 0; i < job.messages.length; i++) {
        const set = parse(job.messages[i], job.publicKeys[i], job.signatures[i]);
        if (set === undefined) return job.messages.map((_, j) => (j === i ? false : verifyOne(job, j)));
        sets.push(set);
      }
      if (blst.verifyMultipleAggregateSignatures(sets)) return sets.map(() => true);
      return sets.map(({ msg, pk, sig }) => blst.verify(msg, pk, sig));
    }
    default:
      throw new Error(`unknown job ${job.op}`);
  }
}

/** A (message, key, signature) set for blst, or undefined for bytes that are no valid points. */
function parse(msg, publicKey, signature) {
  try {
    // `true`: the infinity and subgroup checks, as the tracker makes them.
    return { msg, pk: blst.PublicKey.fromBytes(publicKey, true), sig: blst.Signature.fromBytes(signature, true, true) };
  } catch {
    return undefined;
  }
}

function verifyOne(job, i) {
  const set = parse(job.messages[i], job.publicKeys[i], job.signatures[i]);
  return set !== undefined && blst.verify(set.msg, set.pk, set.sig);
}

parentPort.on('message', ({ id, job }) => {
  let reply;
  try {
    reply = { id, result: handle(job) };
  } catch (error) {
    reply = { id, error: { message: error instanceof Error ? error.message : String(error) } };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage('ready');
