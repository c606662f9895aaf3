/**
 * `pbts tracker`: runs the tracker until SIGINT or SIGTERM, then shuts down gracefully.
 * @module
 */
import { parseArgs } from 'node:util';
import { type Address, isAddress } from 'viem';
import { chainAccountFromKey } from '../chain/clients.ts';
import type { ChainSetup } from '../chain/setup.ts';
import { type TeeRuntime, startTee } from '../tee/index.ts';
import { isBackendName } from '../receipts/index.ts';
import { publicConfig } from '../tracker/admin.ts';
import { REGISTRATION_POLICIES, type RegistrationPolicy } from '../tracker/config.ts';
import { startTracker } from '../tracker/server.ts';
import { untilStopSignal } from './signals.ts';

export const TRACKER_USAGE = `Usage: pbts tracker [options]

  --port N              TCP port (default 8000; 0 picks a free one)       [PBTS_PORT]
  --host ADDR           listen address (default 127.0.0.1)                [PBTS_HOST]
  --data-dir DIR        durable state: SQLite database (default ./data)   [PBTS_DATA_DIR]
  --admin-token TOKEN   enables admin routes (prefer the variable)        [PBTS_ADMIN_TOKEN]
  --mode MODE           private (passkeys, ratio gate; default) or open   [PBTS_MODE]
  --min-ratio X         ratio below which a started announce is refused (default 0.5)
  --initial-credit B    upload credit of new users in bytes (default 1 GiB)
  --registration P      who may register: open (default: anyone with a key), invite (an
                        admin-issued single-use code, pbts invite create), closed (admin only)
                                                                          [PBTS_REGISTRATION]
  --registration-refusal-burst N     refused registrations one address (IPv6: /64) may make
                        before it is refused 429 (default 10)
  --registration-refusals-per-minute N  refused registrations an address regains a minute (default 6)
  --registration-checks-per-verifier N  registrations verified at once over all addresses, per
                        verifier thread; more are refused 503 (default 4)
  --epoch-seconds W     receipt epoch length (default 3600)
  --window N            receipt acceptance window in epochs (default 24)
  --report-bytes-per-second B   report bytes one address (IPv6: /64) may send per second
                        (default 8388608; burst the larger of this and 2 MiB)
  --verify-pending-per-address N  receipts one address may have pending verification (default 16384)
  --verify-pending-per-sender N   receipts one sender may have pending verification (default 4096)
  --failed-report-cache N         refused reports remembered, by body and by verification (default 4096)
  --interval S          announce interval in seconds (default 1800)
  --min-interval S      min interval in seconds (default: half the interval)
  --trust-proxy IPS     honour X-Forwarded-For from these proxies (comma-separated)
  --max-peers N         global peer budget over all torrents (default: half the heap, 1,200 B a peer)
  --max-peers-per-passkey N          peers one passkey may hold over all torrents (default 10000)
  --max-peers-per-address N          peers one address may hold over all torrents (default 50000)
  --max-torrent-peers-per-passkey N  peers one passkey may hold in one torrent (default 32)
  --max-torrent-peers-per-address N  peers one address may hold in one torrent (default 64)
                        (at a limit the holder's own oldest peer is dropped, never another's)
  --max-connections-per-address N    open HTTP connections per client address (default 256)
  --verify-workers N    BLS verification threads (default: CPU count)
  --backend NAME        BLS backend: blst (default) or noble              [PBTS_BLS_BACKEND]

Chain (reputation committed to a Reputation contract through a durable outbox):
  --chain WHERE         embedded (default: Anvil under the data dir, contract deployed at start),
                        none, or an RPC URL of an external node           [PBTS_CHAIN]
  --factory ADDR        ReputationFactory on the external chain (POST /chain/init uses it)
                                                                          [PBTS_FACTORY]
  --chain-key HEX       the tracker's chain private key; required with an RPC URL, optional
                        with embedded (default: a key of its own in <data-dir>/chain-key); prefer the variable
                                                                          [PBTS_CHAIN_KEY]
  --chain-batch-size N  most outbox entries per batch transaction (default 100)
  --chain-batch-ms MS   longest an entry waits for its batch to fill (default 1000)
  --chain-retry-ms MS   cap of the retry backoff after chain errors (default 2000)
  --dstack ENDPOINT     dstack guest agent (socket path or http URL); default:
                        DSTACK_SIMULATOR_ENDPOINT, then the standard sockets; "none" disables.
                        With a TEE the chain account comes from it (GetKey) and the
                        contract's creation carries the boot attestation's hash`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${text}"`);
  return value;
}

/** The chain settings of the command line; the key is parsed here and never printed. */
function chainSetup(tee: TeeRuntime, values: {
  chain: string;
  factory?: string;
  'chain-key'?: string;
  'chain-batch-size'?: string;
  'chain-batch-ms'?: string;
  'chain-retry-ms'?: string;
}): ChainSetup | undefined {
  if (values.chain === 'none') return undefined;
  // Inside a TEE the tracker signs with the key the TEE derives, and commits its attestation.
  const fromTee = tee.identity?.chainAccount;
  const attestationHash = tee.bootAttestationHash === undefined ? undefined : () => Promise.resolve(tee.bootAttestationHash!);
  const tuning = {
    batchSize: number('chain-batch-size', values['chain-batch-size']),
    batchDelayMs: number('chain-batch-ms', values['chain-batch-ms']),
    retryMaxMs: number('chain-retry-ms', values['chain-retry-ms']),
  };
  const key = values['chain-key'] || undefined;
  if (key !== undefined && fromTee !== undefined) throw new Error('--chain-key conflicts with the TEE-derived chain account');
  const configured = key === undefined ? fromTee : chainAccountFromKey(key);
  if (values.factory !== undefined && !isAddress(values.factory, { strict: false })) {
    throw new Error('--factory must be a 20-byte hex address');
  }
  if (values.chain === 'embedded') {
    if (values.factory !== undefined) throw new Error('--factory is for an external chain; the embedded chain deploys its own');
    return { mode: 'embedded', account: configured, tuning, attestationHash };
  }
  if (!/^https?:\/\//.test(values.chain)) throw new Error('--chain must be embedded, none, or an http(s) RPC URL');
  if (configured === undefined) throw new Error('an external chain needs the tracker\'s key: set PBTS_CHAIN_KEY (or --chain-key), or run in a TEE');
  return {
    mode: 'external',
    rpcUrl: values.chain,
    account: configured,
    attestationHash,
    factory: values.factory as Address | undefined,
    tuning,
  };
}

/** `pbts tracker`; resolves when the tracker has shut down. */
export async function runTracker(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.PBTS_PORT ?? '8000' },
      host: { type: 'string', default: process.env.PBTS_HOST ?? '127.0.0.1' },
      'data-dir': { type: 'string', default: process.env.PBTS_DATA_DIR ?? 'data' },
      'admin-token': { type: 'string', default: process.env.PBTS_ADMIN_TOKEN },
      mode: { type: 'string', default: process.env.PBTS_MODE ?? 'private' },
      'min-ratio': { type: 'string' },
      'initial-credit': { type: 'string' },
      registration: { type: 'string', default: process.env.PBTS_REGISTRATION ?? 'open' },
      'registration-refusal-burst': { type: 'string' },
      'registration-refusals-per-minute': { type: 'string' },
      'registration-checks-per-verifier': { type: 'string' },
      'epoch-seconds': { type: 'string' },
      window: { type: 'string' },
      'report-bytes-per-second': { type: 'string' },
      'verify-pending-per-address': { type: 'string' },
      'verify-pending-per-sender': { type: 'string' },
      'failed-report-cache': { type: 'string' },
      interval: { type: 'string' },
      'min-interval': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'max-peers': { type: 'string' },
      'max-peers-per-passkey': { type: 'string' },
      'max-peers-per-address': { type: 'string' },
      'max-torrent-peers-per-passkey': { type: 'string' },
      'max-torrent-peers-per-address': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'verify-workers': { type: 'string' },
      backend: { type: 'string', default: process.env.PBTS_BLS_BACKEND ?? 'blst' },
      chain: { type: 'string', default: process.env.PBTS_CHAIN ?? 'embedded' },
      factory: { type: 'string', default: process.env.PBTS_FACTORY },
      'chain-key': { type: 'string', default: process.env.PBTS_CHAIN_KEY },
      'chain-batch-size': { type: 'string' },
      'chain-batch-ms': { type: 'string' },
      'chain-retry-ms': { type: 'string' },
      dstack: { type: 'string', default: process.env.PBTS_DSTACK },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(TRACKER_USAGE);
    return 0;
  }
  if (values.mode !== 'private' && values.mode !== 'open') throw new Error('--mode must be private or open');
  if (!(REGISTRATION_POLICIES as readonly string[]).includes(values.registration)) {
    throw new Error('--registration must be open, invite or closed');
  }
  if (!isBackendName(values.backend)) throw new Error('--backend must be blst or noble');
  const tee = await startTee({ endpoint: values.dstack === 'none' ? undefined : values.dstack, socketPaths: values.dstack === 'none' ? [] : undefined, env: values.dstack === 'none' ? {} : process.env, log: (line) => console.log(line) });
  const chain = chainSetup(tee, values);
  const tracker = await startTracker({
    chain,
    tee,
    log: (line) => console.log(line),
    port: number('port', values.port),
    host: values.host,
    verifyWorkers: number('verify-workers', values['verify-workers']),
    backend: values.backend,
    config: {
      dataDir: values['data-dir'],
      adminToken: values['admin-token'] || undefined,
      mode: values.mode,
      minRatio: number('min-ratio', values['min-ratio']),
      initialCredit: number('initial-credit', values['initial-credit']),
      registration: values.registration as RegistrationPolicy,
      registrationRefusalBurst: number('registration-refusal-burst', values['registration-refusal-burst']),
      registrationRefusalsPerMinute: number('registration-refusals-per-minute', values['registration-refusals-per-minute']),
      registrationChecksPerVerifier: number('registration-checks-per-verifier', values['registration-checks-per-verifier']),
      epochSeconds: number('epoch-seconds', values['epoch-seconds']),
      windowEpochs: number('window', values.window),
      reportBytesPerSecond: number('report-bytes-per-second', values['report-bytes-per-second']),
      verifyPendingPerAddress: number('verify-pending-per-address', values['verify-pending-per-address']),
      verifyPendingPerSender: number('verify-pending-per-sender', values['verify-pending-per-sender']),
      failedReportCache: number('failed-report-cache', values['failed-report-cache']),
      interval: number('interval', values.interval),
      minInterval: number('min-interval', values['min-interval']),
      trustProxy: values['trust-proxy']?.split(',').filter(Boolean),
      maxPeers: number('max-peers', values['max-peers']),
      maxPeersPerPasskey: number('max-peers-per-passkey', values['max-peers-per-passkey']),
      maxPeersPerAddress: number('max-peers-per-address', values['max-peers-per-address']),
      maxTorrentPeersPerPasskey: number('max-torrent-peers-per-passkey', values['max-torrent-peers-per-passkey']),
      maxTorrentPeersPerAddress: number('max-torrent-peers-per-address', values['max-torrent-peers-per-address']),
      maxConnectionsPerAddress: number('max-connections-per-address', values['max-connections-per-address']),
    },
  });
  const settings = publicConfig(tracker.config);
  console.log(
    `pbts tracker listening on ${tracker.url} (${settings.mode} mode, registration ${settings.registration}, data dir ${tracker.config.dataDir}, ` +
      `BLS ${values.backend}, admin routes ${settings.admin_routes ? 'enabled' : 'disabled'})`,
  );
  console.log(`announce URL: ${tracker.url}/announce${settings.mode === 'private' ? '/<passkey>' : ''}`);
  console.log(
    tee.mode === 'none'
      ? 'TEE: none (configured keys; no attestation)'
      : `TEE: ${tee.mode}, quotes under the ${tee.trustAnchor} root, chain account ${tee.identity!.chainAccount.address}`,
  );
  const status = tracker.chain?.status('admin');
  console.log(
    status === undefined
      ? 'chain: none (reputation stays in the store; the outbox keeps it for a chain to come)'
      : `chain: ${status.mode} at ${status.rpc_url}, account ${status.account}, contract ${status.contract ?? 'not yet created'}`,
  );
  await untilStopSignal();
  await tracker.close();
  console.log('pbts tracker stopped');
  return 0;
}
