import { describe, expect, test } from 'vitest';
import { USER_ID_PATTERN, ratioOf } from './users.ts';

describe('user rules', () => {
  test('default', () => {
    expect(ratioOf({ uploaded: 100, downloaded: 16 * 1024 })).toBe(100 / (16 * 1024));
    expect(USER_ID_PATTERN.test('alice_1.b-c')).toBe(true);
  });

  test('behavior: no ratio before any download, 0 with nothing uploaded', () => {
    expect(ratioOf({ uploaded: 0, downloaded: 0 })).toBeNull();
    expect(ratioOf({ uploaded: 5, downloaded: 0 })).toBeNull();
    expect(ratioOf({ uploaded: 0, downloaded: 5 })).toBe(0);
  });

  test('error: user ids that are empty, too long or not URL- and log-safe are not allowed', () => {
    for (const id of ['', 'a'.repeat(65), 'a b', 'a/b', 'a\nb', 'é']) expect(USER_ID_PATTERN.test(id)).toBe(false);
    expect(USER_ID_PATTERN.test('a'.repeat(64))).toBe(true);
  });
});
