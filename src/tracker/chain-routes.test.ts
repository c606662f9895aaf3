import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { FORGED_BATCH, applyBatchAsImpersonated, fundedClients } from '../../fixtures/anvil.ts';
import { waitFor } from '../../fixtures/wait.ts';
import { createChainClients } from '../chain/clients.ts';
import { ReputationChain } from '../chain/reputation.ts';
import { ChainService } from '../chain/service.ts';
import { openStore, type Store } from '../store/index.ts';
import { chainRoutes, chainSamples } from './chain-routes.ts';

const ADMIN = 'routes-admin-token';
const config = { adminToken: ADMIN };

let store: Store;
let service: ChainService;
let owner: `0x${string}`;

beforeEach(async () => {
  store = openStore({ dataDir: ':memory:' });
  const { account } = await fundedClients(inject('rpcUrl'));
  owner = account.address;
  const reputation = new ReputationChain(createChainClients(inject('rpcUrl'), account));
  service = new ChainService({
    mode: 'external',
    rpcUrl: `${inject('rpcUrl')}/secret-path`,
    reputation,
    outbox: store.outbox,
    factory: inject('factoryAddress'),
    tuning: { batchDelayMs: 0, retryInitialMs: 5, retryMaxMs: 20, checkIntervalMs: 50 },
  });
});
afterEach(async () => {
  await service.close();
  store.close();
});

const getStatus = async (headers: Record<string, string> = {}) =>
  (await (await chainRoutes({ chain: service, outbox: store.outbox, config }).request('/chain/status', { headers })).json()) as Record<string, any>;

describe('chain routes', () => {
  test('behavior: the public status names no RPC endpoint; the admin token shows its origin', async () => {
    expect(await getStatus()).toMatchObject({ enabled: true, mode: 'external', rpc_url: null, divergence: null });
    expect(await getStatus({ authorization: 'Bearer wrong' })).toMatchObject({ rpc_url: null });
    expect(await getStatus({ authorization: `Bearer ${ADMIN}` })).toMatchObject({ rpc_url: inject('rpcUrl') });
  });

  test('error: a batch someone else landed under our sequence shows as a divergence in the status and the metrics', async () => {
    const created = await service.init(undefined);
    const contract = created.contract as `0x${string}`;
    store.createUser({ userId: 'alice', publicKey: new Uint8Array(48).fill(1), uploaded: 1000 });
    store.outbox.cutBatch(10);
    const hash = await applyBatchAsImpersonated(inject('rpcUrl'), owner, contract, 1, FORGED_BATCH);
    service.start();
    const status = await waitFor('the divergence', async () => {
      const body = await getStatus();
      return body.divergence !== null && body;
    });
    expect(status).toMatchObject({
      last_confirmed_sequence: 0,
      pending_entries: 1,
      last_error: expect.stringMatching(/^DIVERGENCE: /),
      divergence: { contract, sequence: 1, tx_hash: hash, sender: owner, reason: expect.stringContaining('its contents are not') },
    });
    const gauges = Object.fromEntries(chainSamples({ chain: service, outbox: store.outbox }).map((sample) => [sample.name, sample.value]));
    expect(gauges).toMatchObject({ pbts_chain_divergence: 1, pbts_chain_divergent_sequence: 1, pbts_chain_confirmed_sequence: 0 });
  });
});
