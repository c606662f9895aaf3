/**
 * The tracker's keys from dstack `GetKey`, at stable paths: the same app (code and config) gets
 * the same keys after a restart and on a replacement instance. dstack derives a key from the
 * path alone (purpose and algorithm do not change it, tee-notes 1.5), so all domain separation
 * is in the path. Without a dstack endpoint the mode is `none` and the caller uses its
 * configured keys.
 * @module
 */
import { lstatSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { DstackClient, type GetKeyResponse } from '@phala/dstack-sdk';
import { toViemAccountSecure } from '@phala/dstack-sdk/viem';
import type { Hex, LocalAccount } from 'viem';
import { CHAIN_KEY_PATH, CHAIN_KEY_PURPOSE, IDENTITY_KEY_PATH, IDENTITY_KEY_PURPOSE } from './keys.ts';

/** Where the dstack guest agent's socket lives, in the SDK's order of preference. */
export const DSTACK_SOCKET_PATHS = ['/var/run/dstack.sock', '/run/dstack.sock', '/var/run/dstack/dstack.sock', '/run/dstack/dstack.sock'];

/** How the tracker reaches a TEE: a real dstack agent, a simulator, or not at all. */
export type TeeMode = 'tee' | 'simulator' | 'none';

/** A dstack endpoint and where it was found. */
export interface DstackEndpoint {
  /** Unix socket path or http(s) URL, as `DstackClient` takes it. */
  endpoint: string;
  /** `option`: passed in; `env`: DSTACK_SIMULATOR_ENDPOINT; `socket`: a standard socket path. */
  source: 'option' | 'env' | 'socket';
}

/** The tracker's TEE-derived keys. */
export interface TeeIdentity {
  mode: 'tee' | 'simulator';
  endpoint: DstackEndpoint;
  /** The SDK client the keys came from, for quotes. */
  client: DstackClient;
  /** secp256k1 chain account (viem), from {@link CHAIN_KEY_PATH}. */
  chainAccount: LocalAccount;
  /** Compressed secp256k1 identity public key, from {@link IDENTITY_KEY_PATH}. */
  identityPublicKey: Hex;
  /** dstack's signature chain of the identity key: [app key signature, KMS signature]. */
  signatureChain: Hex[];
  /** The app as dstack reports it (`Info`). */
  app: { appId: Hex; composeHash: Hex; instanceId: Hex };
  /** 64-byte r||s (low-s) signature by the identity key over sha256(message). */
  sign(message: Uint8Array): Uint8Array;
}

/** No TEE: the caller uses its configured keys. */
export interface NoTeeIdentity {
  mode: 'none';
  /** Why no TEE was used, for logs and `/tee/status`. */
  reason: string;
}

/** Options of {@link loadTeeIdentity}. */
export interface LoadTeeIdentityOptions {
  /** dstack endpoint (socket path or http URL); default: DSTACK_SIMULATOR_ENDPOINT, then the standard sockets. */
  endpoint?: string;
  /** Environment to read DSTACK_SIMULATOR_ENDPOINT from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Socket paths probed when nothing else is given (default {@link DSTACK_SOCKET_PATHS}). */
  socketPaths?: readonly string[];
  /** One line per start-up goes here (default `console.info`). */
  log?: (line: string) => void;
}

/** Error for a configured dstack endpoint that is absent or does not answer like a guest agent. */
export class TeeUnavailableError extends Error {
  override name = 'TeeUnavailableError';
}

const isUrl = (endpoint: string) => /^https?:\/\//i.test(endpoint);

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * The dstack endpoint to use, or undefined when there is none. Checked before constructing a
 * `DstackClient`, whose constructor throws on a missing socket; an endpoint that was asked for
 * explicitly (option or variable) but is missing throws instead of silently meaning "no TEE".
 */
export function detectDstackEndpoint(options: LoadTeeIdentityOptions = {}): DstackEndpoint | undefined {
  const env = options.env ?? process.env;
  const requested: DstackEndpoint | undefined = options.endpoint
    ? { endpoint: options.endpoint, source: 'option' }
    : env.DSTACK_SIMULATOR_ENDPOINT
      ? { endpoint: env.DSTACK_SIMULATOR_ENDPOINT, source: 'env' }
      : undefined;
  if (requested) {
    if (!isUrl(requested.endpoint) && !isSocket(requested.endpoint)) {
      throw new TeeUnavailableError(`dstack endpoint ${requested.endpoint} (${requested.source}) is not a socket or an http(s) URL`);
    }
    return requested;
  }
  const socket = (options.socketPaths ?? DSTACK_SOCKET_PATHS).find(isSocket);
  return socket === undefined ? undefined : { endpoint: socket, source: 'socket' };
}

async function getKey(client: DstackClient, path: string, purpose: string): Promise<GetKeyResponse> {
  try {
    const response = await client.getKey(path, purpose, 'secp256k1');
    // The SDK does not check the reply of GetKey; a broken agent shows up here, not later.
    if (response.key?.length !== 32 || response.signature_chain.length === 0) throw new Error('malformed GetKey reply');
    return response;
  } catch (error) {
    throw new TeeUnavailableError(`dstack GetKey(${path}) failed: ${(error as Error).message}`);
  }
}

const hex = (bytes: Uint8Array): Hex => `0x${bytesToHex(bytes)}`;

/**
 * The tracker's keys from dstack, or `{ mode: 'none' }` without a dstack endpoint (logged in one
 * line). The mode is `simulator` for DSTACK_SIMULATOR_ENDPOINT, an http(s) endpoint, or an agent
 * whose `Info` names a simulator; `tee` otherwise.
 */
export async function loadTeeIdentity(options: LoadTeeIdentityOptions = {}): Promise<TeeIdentity | NoTeeIdentity> {
  const log = options.log ?? console.info;
  const endpoint = detectDstackEndpoint(options);
  if (endpoint === undefined) {
    const reason = 'no dstack socket and DSTACK_SIMULATOR_ENDPOINT unset';
    log(`TEE: mode none (${reason}); using the configured keys`);
    return { mode: 'none', reason };
  }
  const client = new DstackClient(endpoint.endpoint);
  let info: Awaited<ReturnType<DstackClient['info']>>;
  try {
    info = await client.info();
  } catch (error) {
    throw new TeeUnavailableError(`dstack Info at ${endpoint.endpoint} failed: ${(error as Error).message}`);
  }
  const simulated = endpoint.source === 'env' || isUrl(endpoint.endpoint) || /simulator/i.test(info.cloud_vendor ?? '');
  const chainKey = await getKey(client, CHAIN_KEY_PATH, CHAIN_KEY_PURPOSE);
  const identityKey = await getKey(client, IDENTITY_KEY_PATH, IDENTITY_KEY_PURPOSE);
  const identitySecret = identityKey.key;
  const mode = simulated ? 'simulator' : 'tee';
  const identity: TeeIdentity = {
    mode,
    endpoint,
    client,
    chainAccount: toViemAccountSecure(chainKey),
    identityPublicKey: hex(secp256k1.getPublicKey(identitySecret, true)),
    signatureChain: identityKey.signature_chain.map(hex),
    app: {
      appId: `0x${info.app_id.replace(/^0x/, '')}`,
      composeHash: `0x${info.compose_hash.replace(/^0x/, '')}`,
      instanceId: `0x${info.instance_id.replace(/^0x/, '')}`,
    },
    sign: (message) => secp256k1.sign(sha256(message), identitySecret).toCompactRawBytes(),
  };
  log(`TEE: mode ${mode} via ${endpoint.endpoint} (${endpoint.source}); chain account ${identity.chainAccount.address}`);
  return identity;
}
