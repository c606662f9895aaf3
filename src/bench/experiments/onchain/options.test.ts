import { describe, expect, test } from 'vitest';
import { ONCHAIN_OPTIONS, onchainOptions } from './options.ts';

describe('onchainOptions', () => {
  test('default', () => {
    const options = onchainOptions({});
    expect(options).toMatchObject({
      users: 100,
      updates: 100,
      noAutoStart: false,
      rpcUrl: undefined,
      factory: undefined,
      gasPriceGwei: 30,
      ethUsd: 3000,
      trackerUrl: undefined,
    });
    expect(options.batchRuns).toEqual({ 10: 10, 50: 10, 100: 10 });
  });

  test('behavior: the specs hold the README defaults, one spec per flag', () => {
    expect(ONCHAIN_OPTIONS.map((o) => [o.flag, o.env, o.default, o.quick ?? null])).toEqual([
      ['users', 'PBTS_USERS', '100', '10'],
      ['updates', 'PBTS_UPDATES', '100', '10'],
      ['gas-price-gwei', 'PBTS_GAS_PRICE_GWEI', '30', null],
      ['eth-usd', 'PBTS_ETH_USD', '3000', null],
      ['tracker-url', 'PBTS_TRACKER_URL', 'none', null],
      ['no-auto-start', 'PBTS_NO_AUTO_START', 'off', null],
      ['rpc-url', 'PBTS_RPC_URL', 'none', null],
      ['factory', 'PBTS_FACTORY', 'none', null],
    ]);
    expect(ONCHAIN_OPTIONS.find((o) => o.flag === 'no-auto-start')!.kind).toBe('boolean');
  });

  test('behavior: quick, options and runs per batch size', () => {
    expect(onchainOptions({ PBTS_QUICK: '1' })).toMatchObject({ users: 10, updates: 10, batchRuns: { 10: 3, 50: 3, 100: 3 } });
    const options = onchainOptions({
      PBTS_UPDATES: '1000',
      PBTS_GAS_PRICE_GWEI: '0.5',
      PBTS_ETH_USD: '2500',
      PBTS_TRACKER_URL: 'http://localhost:8000/',
      PBTS_NO_AUTO_START: '1',
      PBTS_RPC_URL: 'http://127.0.0.1:8545',
      PBTS_FACTORY: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    });
    expect(options).toMatchObject({
      gasPriceGwei: 0.5,
      ethUsd: 2500,
      trackerUrl: 'http://127.0.0.1:8000',
      noAutoStart: true,
      rpcUrl: 'http://127.0.0.1:8545',
      factory: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      batchRuns: { 10: 100, 50: 20, 100: 10 },
    });
  });

  test('error: --no-auto-start without a chain, a chain without --no-auto-start, bad values', () => {
    expect(() => onchainOptions({ PBTS_NO_AUTO_START: '1' })).toThrow(/needs PBTS_RPC_URL/);
    expect(() => onchainOptions({ PBTS_RPC_URL: 'http://127.0.0.1:8545' })).toThrow(/only with PBTS_NO_AUTO_START/);
    expect(() =>
      onchainOptions({ PBTS_NO_AUTO_START: '1', PBTS_RPC_URL: 'http://10.0.0.1:8545', PBTS_FACTORY: `0x${'1'.repeat(40)}` }),
    ).toThrow(/loopback/);
    expect(() => onchainOptions({ PBTS_NO_AUTO_START: '1', PBTS_RPC_URL: 'http://127.0.0.1:8545', PBTS_FACTORY: '0x12' })).toThrow(
      /20-byte hex address/,
    );
    expect(() => onchainOptions({ PBTS_TRACKER_URL: 'http://example.com:8000' })).toThrow(/loopback/);
    expect(() => onchainOptions({ PBTS_ETH_USD: '-3' })).toThrow('PBTS_ETH_USD must be a positive number, got "-3"');
    expect(() => onchainOptions({ PBTS_GAS_PRICE_GWEI: 'cheap' })).toThrow(/PBTS_GAS_PRICE_GWEI must be a positive number/);
    expect(() => onchainOptions({ PBTS_USERS: '0' })).toThrow(/positive integer/);
  });
});
