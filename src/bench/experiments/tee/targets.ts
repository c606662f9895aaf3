/**
 * Targets of the TEE experiment (DESIGN.md): key derivation through the SDK at most 1 ms over a
 * local key, and warm verification within 15 ms without blocking the event loop.
 * @module
 */
import type { Summary } from '../../stats.ts';
import { type TargetCheck, targetCheck } from '../../targets.ts';
import type { LoopDelay } from './records.ts';

/** Most key derivation overhead, ms, and slowest warm verification median, ms. */
const TEE_TARGETS = { keyOverheadMs: 1, warmVerifyMs: 15 } as const;

/** What the checks read: the measured series (absent when not run) and the event-loop delays. */
export interface TargetInputs {
  /** TEE-derived mean minus regular mean. */
  overheadMs: number | undefined;
  roundTrip: Summary | undefined;
  worker: Summary | undefined;
  inProcess: Summary | undefined;
  loop: { in_process: LoopDelay; worker: LoopDelay } | undefined;
}

/** The two checks, and the result file's `targets` key (its reference shape, only what was measured). */
export function checkTargets({ overheadMs, roundTrip, worker, inProcess, loop }: TargetInputs): {
  checks: TargetCheck[];
  json: Record<string, unknown>;
} {
  const json: Record<string, unknown> = {};
  const overhead = targetCheck(
    'key_derivation_overhead',
    `<= ${TEE_TARGETS.keyOverheadMs} ms`,
    overheadMs,
    'ms',
    (v) => v <= TEE_TARGETS.keyOverheadMs,
    roundTrip ? `SDK + socket round trip alone: ${roundTrip.median_ms.toFixed(3)} ms` : 'TEE-derived minus regular, means',
    { digits: 3, signed: true },
  );
  if (overheadMs !== undefined) {
    json.key_derivation_overhead = {
      target_ms: TEE_TARGETS.keyOverheadMs,
      measured_ms: overheadMs,
      sdk_round_trip_median_ms: roundTrip?.median_ms ?? null,
      met: overhead.pass,
    };
  }
  // "Not blocking" means the loop is never held for as long as a verification takes.
  const delay = loop?.worker.p99_ms;
  const budget = inProcess?.median_ms;
  const notBlocking = delay !== undefined && budget !== undefined ? delay < budget : undefined;
  const warm = targetCheck(
    'warm_verification',
    `<= ${TEE_TARGETS.warmVerifyMs} ms warm, event loop not blocked`,
    worker?.median_ms,
    'ms',
    (v) => v <= TEE_TARGETS.warmVerifyMs && notBlocking !== false,
    delay === undefined || budget === undefined
      ? 'worker median; event loop delay not measured'
      : `worker median; event loop p99 delay ${delay.toFixed(2)} ms with the worker vs ${budget.toFixed(2)} ms per verification in-process`,
    { digits: 3 },
  );
  if (worker) {
    json.warm_verification = {
      target_ms: TEE_TARGETS.warmVerifyMs,
      measured_median_ms: worker.median_ms,
      worker_event_loop_p99_delay_ms: delay ?? null,
      in_process_verification_median_ms: budget ?? null,
      met: warm.pass,
    };
  }
  return { checks: [overhead, warm], json };
}
