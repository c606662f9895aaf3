/**
 * Experiment 3, on-chain operations (seed README section 3, plus the reference's gas experiment,
 * reference spec 6.6): user registration and reputation update, one per transaction; batched
 * updates of 10, 50 and 100 per transaction; createReputation through the factory and migrateUser
 * to a successor contract; gas of each, and the annual cost projection; and, as the baseline of an
 * update, the same credit committed to the tracker's SQLite store. Options: PBTS_USERS,
 * PBTS_UPDATES, PBTS_TRACKER_URL, PBTS_NO_AUTO_START with PBTS_RPC_URL and PBTS_FACTORY,
 * PBTS_GAS_PRICE_GWEI, PBTS_ETH_USD, PBTS_QUICK (or the flags of `pbts experiments onchain`).
 *
 * Every sample is one real transaction sent as the tracker's chain sync sends it (the
 * `Transactor`: encoding, eth_fillTransaction, signing, eth_sendRawTransactionSync), timed to its
 * mined receipt, whose status is checked.
 * Gas used by each transaction reaches the report through `recordExtra`.
 */
import type { Address, Hex } from 'viem';
import { afterAll, beforeAll, bench, describe, inject } from 'vitest';
import type { ChainClients } from '../fixtures/anvil.ts';
import { BATCH_SIZES, INITIAL_CREDIT, onchainOptions } from '../src/bench/experiments/onchain/options.ts';
import { type OnchainConfig, type OnchainGas, type OnchainPhases, PHASES } from '../src/bench/experiments/onchain/records.ts';
import { recordExtra } from '../src/bench/extras.ts';
import { samplesOf } from '../src/bench/harness.ts';
import type { Registration } from '../src/chain/batch.ts';
import { userKey } from '../src/chain/contracts.ts';
import type { Transacted } from '../src/chain/transact.ts';
import {
  ReputationWriter,
  benchClients,
  checkFactory,
  describeNode,
  registrations,
  updateOf,
} from './onchain/chain.ts';
import { StoreWriter } from './onchain/store.ts';
import { trackerMediated } from './onchain/tracker.ts';

const EXPERIMENT = 'onchain';
const options = onchainOptions();
const largestBatch = Math.max(...BATCH_SIZES);

interface Session {
  clients: ChainClients;
  factory: Address;
  /** The Reputation contract every registration and update goes to. */
  main: ReputationWriter;
  /** A second Reputation referring to `main`, the target of migrations. */
  successor: ReputationWriter;
}

let session: Session | undefined;
/** The tracker's own store in a temporary directory: the baseline of an update (`store write`). */
let store: StoreWriter | undefined;
const gas: OnchainGas = { create_reputation: [], registration: [], update: [], batch: {}, migrate: [] };
/** Phase times of every timed series' transactions, warm-up calls first (dropped when recorded). */
const phases: OnchainPhases = {};
const warmups: Record<string, number> = {};

/** Keeps a transaction's phase times under its benchmark's name. */
function timed(name: string, sent: Transacted): Transacted {
  const series = (phases[name] ??= { prepare: [], sign: [], send: [], receipt: [] });
  for (const phase of PHASES) series[phase].push(sent.phases[phase]);
  return sent;
}

/** Bench options of a series of `iterations` timed transactions after `warmup` untimed ones. */
function series(name: string, iterations: number, warmup: number) {
  warmups[name] = warmup;
  return samplesOf(iterations, warmup);
}

/** Users registered in `main`, in order: targets of updates (round robin) and migrations. */
const registered: Hex[] = [];
/** Registrations the timed series sends, one per transaction (warm-up ones included). */
let toRegister: Registration[] = [];

function current(): Session {
  if (!session) throw new Error('on-chain set-up did not complete');
  return session;
}

beforeAll(async () => {
  const rpcUrl = options.noAutoStart ? options.rpcUrl! : inject('rpcUrl');
  const clients = await benchClients(rpcUrl);
  const factory = await checkFactory(clients, options.noAutoStart ? options.factory! : inject('factoryAddress'));
  const node = await describeNode(clients);
  const main = await ReputationWriter.create(clients, factory);
  const successor = await ReputationWriter.create(clients, factory, main.writer.address);
  gas.create_reputation.push(Number(main.gasUsed));
  gas.create_successor = Number(successor.gasUsed);
  session = { clients, factory, main: main.writer, successor: successor.writer };

  toRegister = registrations('user', options.users + options.warmup);
  // Batches update distinct users: when the timed registrations are fewer than the largest batch,
  // more users are registered here, untimed, 50 per transaction.
  const topUp = registrations('pool', Math.max(0, largestBatch - toRegister.length));
  for (let i = 0; i < topUp.length; i += 50) {
    const chunk = topUp.slice(i, i + 50);
    await main.writer.applyBatch(chunk, []);
    registered.push(...chunk.map((r) => userKey(r.userId)));
  }

  recordExtra(EXPERIMENT, 'config', {
    users: options.users,
    updates: options.updates,
    batch_sizes: [...BATCH_SIZES],
    gas_price_gwei: options.gasPriceGwei,
    eth_usd: options.ethUsd,
    initial_credit: INITIAL_CREDIT.toString(),
    chain: {
      rpc_url: rpcUrl,
      auto_started: !options.noAutoStart,
      chain_id: node.chainId,
      client_version: node.clientVersion,
      automine: node.automine,
    },
    factory,
    reputation: main.writer.address,
    account: clients.walletClient.account.address,
  } satisfies OnchainConfig);
  recordExtra(EXPERIMENT, 'tracker', await trackerMediated(options.trackerUrl));
});

beforeAll(() => {
  store = StoreWriter.open();
});

afterAll(() => {
  store?.close();
  // Also after a failed benchmark: the gas of what did run is still reported.
  recordExtra(EXPERIMENT, 'gas', gas);
  recordExtra(
    EXPERIMENT,
    'phases',
    Object.fromEntries(
      Object.entries(phases).map(([name, p]) => {
        const skip = warmups[name] ?? 0;
        return [name, Object.fromEntries(PHASES.map((phase) => [phase, p[phase].slice(skip)]))];
      }),
    ),
  );
});

let nextRegistration = 0;
let nextUpdate = 0;
let nextMigration = 0;

/** The next `count` registered users, round robin: distinct as long as `count <= registered.length`. */
function nextUsers(count: number): Hex[] {
  if (count > registered.length) throw new Error(`a batch of ${count} needs ${count} registered users, have ${registered.length}`);
  return Array.from({ length: count }, () => registered[nextUpdate++ % registered.length]!);
}

describe('onchain', () => {
  bench(
    'create reputation',
    async () => {
      const { clients, factory } = current();
      const { gasUsed } = await ReputationWriter.create(clients, factory);
      gas.create_reputation.push(Number(gasUsed));
    },
    samplesOf(options.createRuns, 1),
  );

  bench(
    'user registration',
    async () => {
      const registration = toRegister[nextRegistration++];
      if (!registration) throw new Error('ran out of prepared registrations');
      const { receipt } = timed('user registration', await current().main.applyBatch([registration], []));
      gas.registration.push(Number(receipt.gasUsed));
      registered.push(userKey(registration.userId));
    },
    series('user registration', options.users, options.warmup),
  );

  bench(
    'reputation update',
    async () => {
      const { receipt } = timed('reputation update', await current().main.applyBatch([], nextUsers(1).map(updateOf)));
      gas.update.push(Number(receipt.gasUsed));
    },
    series('reputation update', options.updates, options.warmup),
  );

  bench(
    'store write',
    () => {
      if (!store) throw new Error('store set-up did not complete');
      store.write();
    },
    samplesOf(options.updates, options.warmup),
  );

  for (const size of BATCH_SIZES) {
    const name = `batch update ${size}`;
    gas.batch[String(size)] = [];
    bench(
      name,
      async () => {
        const { receipt } = timed(name, await current().main.applyBatch([], nextUsers(size).map(updateOf)));
        gas.batch[String(size)]!.push(Number(receipt.gasUsed));
      },
      series(name, options.batchRuns[size]!, 1),
    );
  }

  bench(
    'migrate user',
    async () => {
      const id = registered[nextMigration++];
      if (!id) throw new Error('ran out of users to migrate');
      const { receipt } = timed('migrate user', await current().successor.migrateUser(id));
      gas.migrate.push(Number(receipt.gasUsed));
    },
    series('migrate user', options.migrateRuns, 1),
  );
});
