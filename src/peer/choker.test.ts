import { describe, expect, test } from 'vitest';
import { chooseUnchoked, type ChokeCandidate } from './choker.ts';

const candidate = (peer: string, rate: number, unchoked = false): ChokeCandidate<string> => ({ peer, rate, unchoked });

describe('chooseUnchoked', () => {
  test('default', () => {
    const candidates = [candidate('slow', 1), candidate('fast', 100), candidate('mid', 50), candidate('idle', 0)];
    const { unchoke, optimistic } = chooseUnchoked(candidates, 3, undefined);
    // Two regular slots to the fastest, one optimistic among the rest.
    expect(unchoke.has('fast') && unchoke.has('mid')).toBe(true);
    expect(unchoke.size).toBe(3);
    expect(['slow', 'idle']).toContain(optimistic);
    expect(unchoke.has(optimistic!)).toBe(true);
  });

  test('behavior: the optimistic peer keeps its slot until rotated, ties favour the unchoked', () => {
    const candidates = [candidate('a', 0), candidate('b', 0, true), candidate('c', 0), candidate('d', 0)];
    const first = chooseUnchoked(candidates, 2, 'd');
    expect([...first.unchoke].sort()).toEqual(['b', 'd']);
    expect(first.optimistic).toBe('d');
  });

  test('behavior: fewer candidates than slots all get one; no slots, nobody', () => {
    expect([...chooseUnchoked([candidate('a', 5)], 4, undefined).unchoke]).toEqual(['a']);
    expect(chooseUnchoked([candidate('a', 5)], 0, undefined).unchoke.size).toBe(0);
    expect(chooseUnchoked([candidate('a', 5), candidate('b', 1)], 1, undefined).unchoke).toEqual(new Set(['a']));
  });
});
