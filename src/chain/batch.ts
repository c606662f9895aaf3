/**
 * Turns a batch of outbox entries into the arguments of `Reputation.applyBatch`. Deterministic:
 * a batch re-sent after a crash or a chain reset carries the same registrations and the same
 * totals.
 * @module
 */
import { type Hex, bytesToHex } from 'viem';
import type { OutboxEntry } from '../store/index.ts';
import { userKey } from './contracts.ts';

/** `Reputation.Registration`: a new user with its initial upload credit. */
export interface Registration {
  userId: string;
  publicKey: Hex;
  uploaded: bigint;
}

/** `Reputation.Update`: amounts added to a registered user's totals. */
export interface Update {
  id: Hex;
  uploadedDelta: bigint;
  downloadedDelta: bigint;
}

/** The two lists `applyBatch` takes besides the sequence. */
export interface BatchArgs {
  registrations: Registration[];
  updates: Update[];
}

/**
 * Registrations in entry order; updates summed per user (one storage write per user instead of
 * one per report), in order of each user's first entry, without zero updates. The contract applies
 * registrations first, so an update may follow its user's registration in the same batch.
 */
export function batchArgs(entries: readonly OutboxEntry[]): BatchArgs {
  const registrations: Registration[] = [];
  const updates = new Map<string, Update>();
  for (const entry of entries) {
    if (entry.kind === 'register') {
      registrations.push({ userId: entry.userId, publicKey: bytesToHex(entry.publicKey), uploaded: BigInt(entry.uploaded) });
      continue;
    }
    if (entry.uploaded === 0 && entry.downloaded === 0) continue;
    let update = updates.get(entry.userId);
    if (update === undefined) {
      update = { id: userKey(entry.userId), uploadedDelta: 0n, downloadedDelta: 0n };
      updates.set(entry.userId, update);
    }
    update.uploadedDelta += BigInt(entry.uploaded);
    update.downloadedDelta += BigInt(entry.downloaded);
  }
  return { registrations, updates: [...updates.values()] };
}
