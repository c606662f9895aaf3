import { describe, expect, test } from 'vitest';
import { Ledger, MAX_IDLE_ACCOUNTS } from './ledger.ts';

const nothing = () => false;

describe('Account', () => {
  test('default', () => {
    const account = new Ledger().account('aa');
    expect([account.admit(0, 2, nothing), account.admit(1, 2, nothing)]).toEqual([true, true]);
    account.sent(0, 100);
    account.sent(1, 100);
    account.sent(1, 50);
    expect([account.oldestOwed(), [...account.owedPieces()], account.unreceipted(1)]).toEqual([0, [[0, 100], [1, 150]], 150]);
    // Pieces it is in the middle of go on; a new one waits for a receipt.
    expect([account.admit(1, 2, nothing), account.admit(2, 2, nothing)]).toEqual([true, false]);
    account.receipted(0);
    expect([account.unreceipted(0), account.hasReceipt(0), account.oldestOwed()]).toEqual([0, true, 1]);
    // A block of a receipted piece sent again owes nothing.
    account.sent(0, 100);
    expect([...account.owedPieces()]).toEqual([[1, 150]]);
  });

  test('behavior: a piece is admitted whole at its first request, before any byte is sent', () => {
    const account = new Ledger().account('aa');
    expect(account.admit(5, 1, nothing)).toBe(true);
    expect([account.admit(5, 1, nothing), account.admit(6, 1, nothing), account.oldestOwed()]).toEqual([true, false, undefined]);
  });

  test('behavior: a piece held back is admitted once a receipt brings the debt under the lead', () => {
    const account = new Ledger().account('aa');
    account.admit(0, 1, nothing);
    expect([account.admit(1, 1, nothing), account.admit(1, 1, nothing)]).toEqual([false, false]);
    account.receipted(0);
    expect([account.admit(1, 1, nothing), account.admit(2, 1, nothing)]).toEqual([true, false]);
  });

  test('behavior: receipts being verified count as back, at most a lead of them, and count again as owed when refused', () => {
    const account = new Ledger().account('aa');
    for (const index of [0, 1, 2]) {
      account.admit(index, 2, nothing);
      account.sent(index, 10);
    }
    expect(account.admit(3, 2, nothing)).toBe(false);
    account.vouch(0);
    // Debt 3, one vouched: 2, still the lead.
    expect([account.admit(3, 2, nothing), account.oldestOwed()]).toEqual([false, 1]);
    account.vouch(1);
    expect(account.admit(3, 2, nothing)).toBe(true);
    account.sent(3, 10);
    // A third vouched receipt counts no more: unverified, at most one lead (2) counts as back.
    account.vouch(2);
    expect(account.admit(4, 2, nothing)).toBe(false);
    // Piece 0's signature was bad: it is owed again.
    account.unvouch(0);
    account.receipted(1);
    expect([account.admit(4, 2, nothing), account.oldestOwed()]).toEqual([false, 0]);
    // A piece never sent cannot be vouched for; an owed one can.
    account.receipted(2);
    account.vouch(9);
    expect(account.admit(4, 2, nothing)).toBe(false);
    account.vouch(3);
    expect(account.admit(4, 2, nothing)).toBe(true);
  });

  test('behavior: a piece admitted, never sent and got from someone else is no debt', () => {
    const account = new Ledger().account('aa');
    account.admit(0, 1, nothing);
    expect(account.admit(1, 1, nothing)).toBe(false);
    expect(account.admit(2, 1, (index) => index === 0)).toBe(true);
    account.sent(2, 10);
    expect(account.admit(3, 1, (index) => index === 2)).toBe(false);
  });
});

describe('Ledger', () => {
  test('default', () => {
    // An account is kept by key across connections; idle ones are bounded, live ones kept.
    const ledger = new Ledger();
    const live = ledger.account('live');
    live.connections = 1;
    live.sent(3, 10);
    const first = ledger.account('idle-0');
    expect(ledger.account('idle-0')).toBe(first);
    for (let i = 1; i <= MAX_IDLE_ACCOUNTS; i++) ledger.account(`idle-${i}`);
    expect(ledger.account('idle-0')).not.toBe(first);
    expect(ledger.account('live')).toBe(live);
    expect(live.unreceipted(3)).toBe(10);
  });
});
