/**
 * Rules about users that every folder applies the same way: which user ids are allowed (at
 * registration and at a migration from the chain) and a user's ratio (in the public view and in
 * the ratio gate).
 * @module
 */
import type { UserRecord } from './types.ts';

/** Allowed user ids: 1 to 64 characters, safe in URLs and logs. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** uploaded / downloaded, or `null` when nothing was downloaded. */
export function ratioOf(user: Pick<UserRecord, 'uploaded' | 'downloaded'>): number | null {
  return user.downloaded === 0 ? null : user.uploaded / user.downloaded;
}
