/**
 * The printed output of the onchain experiment on fixed inputs, byte for byte: the files under
 * `__printed__/` were recorded from the summarizer before its sections became data, so a
 * renderer change that moves one character fails here.
 */
import { describe, expect, test } from 'vitest';
import { summarize } from '../../stats.ts';
import { reportText } from '../../report/text.ts';
import type { OnchainConfig, OnchainGas } from './records.ts';
import { summarizeOnchain } from './report.ts';

const series = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base * (1 + ((i * 7) % 11) / 50));

const onchainConfig: OnchainConfig = {
  users: 4,
  updates: 4,
  batch_sizes: [10, 50, 100],
  gas_price_gwei: 30,
  eth_usd: 3000,
  initial_credit: '1073741824',
  chain: { rpc_url: 'http://127.0.0.1:8545', auto_started: true, chain_id: 31337, client_version: 'anvil/v1.7.1', automine: true },
  factory: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  reputation: '0xa16E02E87b7454126E5E10d957A927A7F5B5d2be',
  account: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};

const onchainGas: OnchainGas = {
  create_reputation: [1_056_674, 1_056_674],
  create_successor: 1_060_000,
  registration: [126_849, 126_849, 126_849],
  update: [40_474, 40_474],
  batch: { '10': [136_730], '50': [564_550], '100': [1_099_300] },
  migrate: [125_545],
};

function onchainBenchmarks() {
  return new Map([
    ['onchain > create reputation', summarize(series(9))],
    ['onchain > user registration', summarize(series(4.04))],
    ['onchain > reputation update', summarize(series(3.47))],
    ['onchain > store write', summarize(series(0.42))],
    ['onchain > batch update 10', summarize(series(6.2, 10))],
    ['onchain > batch update 50', summarize(series(10.9, 10))],
    ['onchain > batch update 100', summarize(series(15.6, 10))],
    ['onchain > migrate user', summarize(series(5.1))],
  ]);
}

const onchainPhases = {
  'reputation update': { prepare: [1.29, 1.3], sign: [0.59, 0.6], send: [1.96, 2], receipt: [0, 0] },
  'batch update 100': { prepare: [8, 9], sign: [1, 1], send: [3, 3], receipt: [0, 0] },
};

describe('printed output', () => {
  test('default: onchain with phases, gas, projection, the store-write baseline and an unreachable tracker', async () => {
    const tracker = { tracker_url: 'http://127.0.0.1:9', measured: false, reachable: false, chain_status: null, reason: 'no answer' };
    const { report } = summarizeOnchain(onchainBenchmarks(), { config: onchainConfig, gas: onchainGas, phases: onchainPhases, tracker });
    const text = reportText(report);
    await expect(text).toMatchFileSnapshot('__printed__/onchain.txt');
  });
  test('behavior: onchain with nothing recorded', async () => {
    await expect(reportText(summarizeOnchain(new Map(), {}).report)).toMatchFileSnapshot('__printed__/onchain-empty.txt');
  });
});
