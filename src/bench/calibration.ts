import { sha256 } from '@noble/hashes/sha2';

const DATA = new Uint8Array(64 * 1024).fill(0x5a);
// About 100 ms: long enough to average over this VM's short slow and fast spells.
const ROUNDS = 201;

/**
 * How fast this machine is right now: the median milliseconds of a fixed single-threaded CPU
 * workload (pure-JS SHA-256 over 64 KiB). Shared VMs change speed from minute to minute; the
 * baseline gate divides each change by the change of this figure, so a slower machine is not
 * taken for slower code.
 */
export function calibrate(): number {
  // Enough calls for V8 to finish optimising the hash: the first ones run slower.
  for (let i = 0; i < 60; i++) sha256(DATA);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    sha256(DATA);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[(ROUNDS - 1) / 2]!;
}
