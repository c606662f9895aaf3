import { describe, expect, test } from 'vitest';
import { Ledger, MAX_IDLE_ACCOUNTS } from './ledger.ts';

describe('Ledger', () => {
  test('default', () => {
    const account = new Ledger().account('aa');
    expect(account.mayServe(0, 2)).toBe(true);
    account.sent(0, 100);
    account.sent(1, 100);
    account.sent(1, 50);
    expect([account.owed, account.oldestOwed(), [...account.owedPieces()]]).toEqual([2, 0, [[0, 100], [1, 150]]]);
    // Pieces it is in the middle of go on; a new one waits for a receipt.
    expect([account.mayServe(1, 2), account.mayServe(2, 2)]).toEqual([true, false]);
    account.receipted(0);
    expect([account.owes(0), account.hasReceipt(0), account.mayServe(2, 2), account.oldestOwed()]).toEqual([false, true, true, 1]);
    // A block of a receipted piece sent again owes nothing.
    account.sent(0, 100);
    expect(account.owed).toBe(1);
  });

  test('behavior: an account is kept by key across connections; idle ones are bounded, live ones kept', () => {
    const ledger = new Ledger();
    const live = ledger.account('live');
    live.connections = 1;
    live.sent(3, 10);
    const first = ledger.account('idle-0');
    expect(ledger.account('idle-0')).toBe(first);
    for (let i = 1; i <= MAX_IDLE_ACCOUNTS; i++) ledger.account(`idle-${i}`);
    expect(ledger.account('idle-0')).not.toBe(first);
    expect(ledger.account('live')).toBe(live);
    expect(live.owes(3)).toBe(true);
  });
});
