/**
 * Which interested peers get our upload slots (BEP 3 choking): the best by recent rate keep
 * their slots, and one slot rotates among the rest (the optimistic unchoke) so a newcomer with
 * nothing to trade can start. Upload is bounded by the number of slots.
 * @module
 */

/** One interested peer as the choker sees it. */
export interface ChokeCandidate<P> {
  readonly peer: P;
  /** Bytes per rechoke period: what it sent us while we download, what we sent it when we seed. */
  readonly rate: number;
  readonly unchoked: boolean;
}

/** Picks the peers to unchoke among `candidates` (all interested), at most `slots` of them. */
export function chooseUnchoked<P>(candidates: readonly ChokeCandidate<P>[], slots: number, optimistic: P | undefined): { unchoke: Set<P>; optimistic: P | undefined } {
  if (slots <= 0 || candidates.length === 0) return { unchoke: new Set(), optimistic: undefined };
  // Faster first; among equals the already unchoked, so slots do not flap between peers.
  const ranked = [...candidates].sort((a, b) => b.rate - a.rate || Number(b.unchoked) - Number(a.unchoked));
  const regular = ranked.slice(0, slots > 1 ? slots - 1 : slots).map((c) => c.peer);
  const unchoke = new Set(regular);
  const rest = ranked.filter((c) => !unchoke.has(c.peer));
  if (unchoke.size < slots && rest.length > 0) {
    const kept = rest.find((c) => c.peer === optimistic);
    optimistic = (kept ?? rest[Math.floor(Math.random() * rest.length)]!).peer;
    unchoke.add(optimistic);
  } else {
    optimistic = undefined;
  }
  return { unchoke, optimistic };
}
