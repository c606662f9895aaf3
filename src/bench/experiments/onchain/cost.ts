/**
 * The annual cost projection of the reference's gas experiment (reference spec 6.6): what
 * committing every reputation update on chain costs a year, batched and one update per
 * transaction, for the reference's update frequencies and user counts.
 * @module
 */

/** Reference projection frequencies: updates per user per year. */
export const FREQUENCIES: readonly { frequency: string; perYear: number }[] = [
  { frequency: 'per-transfer (10/day)', perYear: 3650 },
  { frequency: 'hourly', perYear: 8760 },
  { frequency: 'daily', perYear: 365 },
  { frequency: 'weekly', perYear: 52 },
];

/** Reference projection user counts. */
export const PROJECTION_USERS: readonly number[] = [100, 1_000, 10_000];

/** One row of the annual cost projection (reference keys, plus the unbatched figures). */
export interface CostProjection {
  frequency: string;
  users: number;
  updates_per_year: number;
  gas_per_update: number;
  total_gas: number;
  estimated_eth: number;
  estimated_usd: number;
  unbatched_gas_per_update: number | null;
  unbatched_total_gas: number | null;
  unbatched_estimated_eth: number | null;
  unbatched_estimated_usd: number | null;
}

/** The annual cost of committing every update at `gasPerUpdate` (batched) and `unbatched` gas. */
export function projectAnnualCost(
  gasPerUpdate: number,
  unbatched: number | null,
  gasPriceGwei: number,
  ethUsd: number,
): CostProjection[] {
  const ethPerGas = gasPriceGwei * 1e-9;
  const rows: CostProjection[] = [];
  for (const { frequency, perYear } of FREQUENCIES) {
    for (const users of PROJECTION_USERS) {
      const updates = perYear * users;
      const totalGas = updates * gasPerUpdate;
      const unbatchedGas = unbatched === null ? null : updates * unbatched;
      rows.push({
        frequency,
        users,
        updates_per_year: updates,
        gas_per_update: gasPerUpdate,
        total_gas: totalGas,
        estimated_eth: totalGas * ethPerGas,
        estimated_usd: totalGas * ethPerGas * ethUsd,
        unbatched_gas_per_update: unbatched,
        unbatched_total_gas: unbatchedGas,
        unbatched_estimated_eth: unbatchedGas === null ? null : unbatchedGas * ethPerGas,
        unbatched_estimated_usd: unbatchedGas === null ? null : unbatchedGas * ethPerGas * ethUsd,
      });
    }
  }
  return rows;
}
