/**
 * The verification queue of `POST /report`: aggregate verifications wait here for a verify
 * worker, served fairly (by address first, then by sender within an address) and small reports
 * first, with the work one address or one sender may have pending bounded. One client replaying
 * 1,024-receipt reports then gets its share of the cores, and honest 10-receipt reports from
 * everyone else still go ahead of its queue.
 *
 * Scheduling is self-clocked fair queueing: each flow (an address; a sender within its address)
 * has a virtual time, advanced by the cost of every job it gets served; the next job is the one
 * whose flow would finish it first (its flow's virtual time plus its cost), so a small report of
 * a flow that has had little goes before the big ones of a flow that has had much. A flow that
 * was idle starts at the current virtual time (it banks no credit while idle). A failed
 * verification costs its flows {@link FAILURE_PENALTY} times more.
 * @module
 */

/** Why a job was not queued. */
export type QueueRefusal = 'address' | 'sender' | 'full';

/** Bounds of a {@link FairVerifyQueue}, in receipts pending (queued or being verified). */
export interface FairQueueLimits {
  /** Verifications running at once (the workers plus one queued at each, so none idles between jobs). */
  concurrency: number;
  perAddress: number;
  perSender: number;
  /** Over every client. */
  total: number;
}

/** What a failed verification costs its flows, in multiples of its cost. */
export const FAILURE_PENALTY = 4;

/** The fixed cost of one verification in receipts (the final exponentiation and the round trip). */
const JOB_OVERHEAD = 2;

interface Job {
  receipts: number;
  cost: number;
  seq: number;
  address: AddressFlow;
  sender: SenderFlow;
  senderKey: string;
  run: () => Promise<boolean>;
  resolve: (ok: boolean) => void;
  reject: (error: unknown) => void;
}

interface SenderFlow {
  vtime: number;
  /** Queued jobs, smallest first (then oldest). */
  jobs: Job[];
}

interface AddressFlow {
  key: string;
  vtime: number;
  /** Virtual time of the sender flows inside this address. */
  senderClock: number;
  /** Receipts queued or being verified. */
  pending: number;
  senders: Map<string, SenderFlow>;
  queued: number;
}

/** Counters for `/metrics`. */
export interface QueueStats {
  queuedReceipts: number;
  runningJobs: number;
  refusedAddress: number;
  refusedSender: number;
  refusedFull: number;
}

/** Fair, bounded admission of aggregate verifications; see the module comment. */
export class FairVerifyQueue {
  private readonly addresses = new Map<string, AddressFlow>();
  private readonly senderPending = new Map<string, number>();
  private clock = 0;
  private seq = 0;
  private running = 0;
  private queuedReceipts = 0;
  private pendingReceipts = 0;
  private readonly refused = { address: 0, sender: 0, full: 0 };

  constructor(private readonly limits: FairQueueLimits) {}

  /**
   * Queues `run` (a verification of `receipts` receipts) for `address` and `sender`; resolves with
   * its result once served, or answers at once which bound refuses it.
   */
  submit(address: string, sender: string, receipts: number, run: () => Promise<boolean>): Promise<boolean> | QueueRefusal {
    const flow = this.addresses.get(address);
    if ((flow?.pending ?? 0) + receipts > this.limits.perAddress && (flow?.pending ?? 0) > 0) {
      this.refused.address++;
      return 'address';
    }
    const bySender = this.senderPending.get(sender) ?? 0;
    if (bySender + receipts > this.limits.perSender && bySender > 0) {
      this.refused.sender++;
      return 'sender';
    }
    if (this.pendingReceipts + receipts > this.limits.total && this.pendingReceipts > 0) {
      this.refused.full++;
      return 'full';
    }
    const addressFlow = flow ?? this.newAddress(address);
    if (addressFlow.queued === 0) addressFlow.vtime = Math.max(addressFlow.vtime, this.clock);
    let senderFlow = addressFlow.senders.get(sender);
    if (senderFlow === undefined) {
      senderFlow = { vtime: addressFlow.senderClock, jobs: [] };
      addressFlow.senders.set(sender, senderFlow);
    } else if (senderFlow.jobs.length === 0) {
      senderFlow.vtime = Math.max(senderFlow.vtime, addressFlow.senderClock);
    }
    addressFlow.pending += receipts;
    this.senderPending.set(sender, bySender + receipts);
    this.pendingReceipts += receipts;
    return new Promise<boolean>((resolve, reject) => {
      const job: Job = { receipts, cost: receipts + JOB_OVERHEAD, seq: this.seq++, address: addressFlow, sender: senderFlow, senderKey: sender, run, resolve, reject };
      insertSorted(senderFlow.jobs, job);
      addressFlow.queued++;
      this.queuedReceipts += receipts;
      this.pump();
    });
  }

  stats(): QueueStats {
    return {
      queuedReceipts: this.queuedReceipts,
      runningJobs: this.running,
      refusedAddress: this.refused.address,
      refusedSender: this.refused.sender,
      refusedFull: this.refused.full,
    };
  }

  private newAddress(key: string): AddressFlow {
    const flow: AddressFlow = { key, vtime: this.clock, senderClock: 0, pending: 0, senders: new Map(), queued: 0 };
    this.addresses.set(key, flow);
    return flow;
  }

  private pump(): void {
    while (this.running < this.limits.concurrency && this.queuedReceipts > 0) {
      const job = this.next();
      if (job === undefined) return;
      this.start(job);
    }
  }

  /** The job whose flows would finish it first (see the module comment); removed from its queue. */
  private next(): Job | undefined {
    let best: { job: Job; finish: number } | undefined;
    for (const flow of this.addresses.values()) {
      if (flow.queued === 0) continue;
      let head: { job: Job; finish: number } | undefined;
      for (const sender of flow.senders.values()) {
        const job = sender.jobs[0];
        if (job === undefined) continue;
        const finish = sender.vtime + job.cost;
        if (head === undefined || finish < head.finish || (finish === head.finish && job.seq < head.job.seq)) head = { job, finish };
      }
      if (head === undefined) continue;
      const finish = flow.vtime + head.job.cost;
      if (best === undefined || finish < best.finish || (finish === best.finish && head.job.seq < best.job.seq)) {
        best = { job: head.job, finish };
      }
    }
    if (best === undefined) return undefined;
    const { job } = best;
    job.sender.jobs.shift();
    job.address.queued--;
    this.queuedReceipts -= job.receipts;
    // The system's virtual time is where the flow served last started.
    this.clock = job.address.vtime;
    job.address.senderClock = job.sender.vtime;
    job.address.vtime += job.cost;
    job.sender.vtime += job.cost;
    return job;
  }

  private start(job: Job): void {
    this.running++;
    let result: Promise<boolean>;
    try {
      result = job.run();
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (ok) => {
        if (!ok) {
          job.address.vtime += job.cost * (FAILURE_PENALTY - 1);
          job.sender.vtime += job.cost * (FAILURE_PENALTY - 1);
        }
        this.finish(job);
        job.resolve(ok);
      },
      (error: unknown) => {
        this.finish(job);
        job.reject(error);
      },
    );
  }

  private finish(job: Job): void {
    this.running--;
    const { address } = job;
    address.pending -= job.receipts;
    this.pendingReceipts -= job.receipts;
    const bySender = (this.senderPending.get(job.senderKey) ?? 0) - job.receipts;
    if (bySender > 0) this.senderPending.set(job.senderKey, bySender);
    else this.senderPending.delete(job.senderKey);
    if (job.sender.jobs.length === 0 && address.pending === 0) {
      // No credit to keep once the system clock has passed it; a debt (failures) is kept while it lasts.
      for (const [key, sender] of address.senders) if (sender.jobs.length === 0 && sender.vtime <= address.senderClock) address.senders.delete(key);
    }
    if (address.pending === 0 && address.vtime <= this.clock) this.addresses.delete(address.key);
    this.pump();
    // Bounded memory: flows in debt but idle are forgotten once many are held.
    if (this.addresses.size > 4 * MAX_IDLE_FLOWS) {
      for (const [key, flow] of this.addresses) if (flow.pending === 0) this.addresses.delete(key);
    }
  }
}

/** Idle flows kept for their debt before they are dropped (times four). */
const MAX_IDLE_FLOWS = 4096;

function insertSorted(jobs: Job[], job: Job): void {
  let lo = 0;
  let hi = jobs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (jobs[mid]!.cost <= job.cost) lo = mid + 1;
    else hi = mid;
  }
  jobs.splice(lo, 0, job);
}
