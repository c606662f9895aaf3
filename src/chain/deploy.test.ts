import { zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AnvilInstance, startAnvil } from '../../fixtures/anvil.ts';
import { reputationAbi, reputationFactoryAbi } from './contracts.ts';
import { createReputation, deployFactory } from './deploy.ts';
import { Transactor } from './transact.ts';

// An Anvil of its own: the error test switches automine off, which must not stall other files.
let anvil: AnvilInstance;
beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(() => anvil.stop());

describe('deploy', () => {
  test('default', async () => {
    const { walletClient, publicClient } = anvil;
    const transactor = new Transactor(anvil);
    const factory = await deployFactory(transactor);
    expect(await publicClient.getCode({ address: factory })).toMatch(/^0x[0-9a-f]+$/);
    const created = await createReputation(transactor, factory);
    expect(created.gasUsed).toBeGreaterThan(0n);
    expect(await publicClient.readContract({ address: created.address, abi: reputationAbi, functionName: 'owner' })).toBe(
      walletClient.account.address,
    );
    expect(
      await publicClient.readContract({ address: factory, abi: reputationFactoryAbi, functionName: 'isReputation', args: [created.address] }),
    ).toBe(true);
    const next = await createReputation(transactor, factory, { referrer: created.address });
    expect(await publicClient.readContract({ address: next.address, abi: reputationAbi, functionName: 'referrer' })).toBe(created.address);
  });

  test('error: createReputation throws when its transaction reverts on chain', async () => {
    const { testClient } = anvil;
    const transactor = new Transactor(anvil);
    const factory = await deployFactory(transactor);
    await testClient.setAutomine(false);
    try {
      // Gas estimation passes; the factory's code is then swapped for `revert(0, 0)` before the block is mined.
      const pending = createReputation(transactor, factory, { referrer: zeroAddress });
      const outcome = pending.then(
        () => 'created',
        (error: Error) => error.message,
      );
      while (Object.keys((await testClient.getTxpoolContent()).pending).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await testClient.setCode({ address: factory, bytecode: '0x60006000fd' });
      await testClient.mine({ blocks: 1 });
      expect(await outcome).toMatch(/^createReputation reverted \(tx 0x[0-9a-f]{64}, block \d+\)$/);
    } finally {
      await testClient.setAutomine(true);
    }
  });
});
