import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { MIGRATIONS } from './schema.ts';
import { DuplicateUserError, InviteRefusedError, type Store, openStore } from './index.ts';

const key = (n: number) => new Uint8Array(48).fill(n);
const hash = (n: number) => new Uint8Array(32).fill(n);

describe('invites in the store', () => {
  const open: Store[] = [];
  const dirs: string[] = [];
  const store = (dataDir = ':memory:') => {
    const s = openStore({ dataDir });
    open.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test('default: a registration with an invite uses it up in the same transaction', () => {
    const s = store();
    const invite = s.createInvite({ codeHash: hash(1), note: 'for alice', now: 1000 });
    expect(invite).toEqual({ inviteId: 1, note: 'for alice', createdAt: 1000, expiresAt: null, revokedAt: null, usedAt: null, usedBy: null });
    s.createUser({ userId: 'alice', publicKey: key(1), inviteHash: hash(1), now: 2000 });
    expect(s.inviteByHash(hash(1))).toMatchObject({ usedAt: 2000, usedBy: 'alice' });
    expect(() => s.createUser({ userId: 'bob', publicKey: key(2), inviteHash: hash(1) })).toThrow(InviteRefusedError);
    expect(s.userById('bob')).toBeUndefined();
  });

  test('error: unknown, revoked and expired invites register nobody', () => {
    const s = store();
    s.createInvite({ codeHash: hash(2), now: 1000 });
    s.createInvite({ codeHash: hash(3), expiresAt: 5000, now: 1000 });
    expect(s.revokeInvite(1, 1500)).toMatchObject({ revokedAt: 1500 });
    const why = (userId: string, codeHash: Uint8Array, now: number) => {
      try {
        s.createUser({ userId, publicKey: key(userId.length), inviteHash: codeHash, now });
      } catch (error) {
        return (error as InviteRefusedError).why;
      }
      return 'registered';
    };
    expect(why('a', hash(9), 2000)).toBe('unknown');
    expect(why('bb', hash(2), 2000)).toBe('revoked');
    expect(why('ccc', hash(3), 5000)).toBe('expired');
    expect(s.stats().users).toBe(0);
    expect(why('dddd', hash(3), 4999)).toBe('registered');
  });

  test('behavior: a registration refused for its id leaves the invite unused', () => {
    const s = store();
    s.createUser({ userId: 'alice', publicKey: key(1) });
    s.createInvite({ codeHash: hash(4) });
    expect(() => s.createUser({ userId: 'alice', publicKey: key(2), inviteHash: hash(4) })).toThrow(DuplicateUserError);
    expect(s.inviteByHash(hash(4))).toMatchObject({ usedAt: null, usedBy: null });
  });

  test('behavior: two connections registering with one invite: exactly one user is created', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pbts-invites-'));
    dirs.push(dir);
    const first = store(dir);
    const second = store(dir);
    first.createInvite({ codeHash: hash(5) });
    const outcomes = [first, second].map((s, i) => {
      try {
        s.createUser({ userId: `user-${i}`, publicKey: key(10 + i), inviteHash: hash(5) });
        return 'created';
      } catch (error) {
        return (error as InviteRefusedError).why;
      }
    });
    expect(outcomes).toEqual(['created', 'used']);
    expect(second.stats().users).toBe(1);
  });

  test('behavior: a used invite cannot be revoked; listing is newest first', () => {
    const s = store();
    s.createInvite({ codeHash: hash(6) });
    s.createInvite({ codeHash: hash(7) });
    s.createUser({ userId: 'alice', publicKey: key(1), inviteHash: hash(6) });
    expect(s.revokeInvite(1)).toMatchObject({ revokedAt: null, usedBy: 'alice' });
    expect(s.revokeInvite(99)).toBeUndefined();
    expect(s.invites().map((i) => i.inviteId)).toEqual([2, 1]);
  });

  test('behavior: a version-3 database gains the invites table and keeps its users', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pbts-invites-'));
    dirs.push(dir);
    const db = new Database(path.join(dir, 'pbts.sqlite'));
    for (const [version, sql] of MIGRATIONS.slice(0, 3).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    }
    db.prepare("INSERT INTO users (user_id, public_key, passkey, created_at) VALUES ('old', ?, ?, 1)").run(key(1), 'a'.repeat(32));
    db.close();
    const s = store(dir);
    expect(s.schemaVersion).toBe(MIGRATIONS.length);
    expect(s.userById('old')).toBeDefined();
    expect(s.createInvite({ codeHash: hash(8) }).inviteId).toBe(1);
  });
});
