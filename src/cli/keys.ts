/**
 * `pbts keygen` and `pbts register`: a user's BLS key pair is made and kept on the user's
 * machine; only the public key, its proof of possession and its signature over the user id go
 * to the tracker.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Registration, TrackerClient, TrackerRefusal } from '../client/tracker-client.ts';
import {
  type KeyPair,
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  SIGNATURE_LENGTH,
  generateKeyPair,
  getBackend,
  parseHex,
} from '../receipts/index.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The key file `pbts keygen` writes (mode 0600). */
export interface KeyFile {
  public_key: string;
  secret_key: string;
  pop: string;
}

/**
 * The key pair in a `pbts keygen` file, checked to belong together, with the file's proof of
 * possession when it has one (made once at keygen: it costs tens of milliseconds).
 */
export function readKeyFile(path: string): KeyPair & { pop?: Uint8Array } {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const keys = { secretKey: parseHex(file, 'secret_key', SECRET_KEY_LENGTH), publicKey: parseHex(file, 'public_key', PUBLIC_KEY_LENGTH) };
  if (!Buffer.from(getBackend().publicKey(keys.secretKey)).equals(keys.publicKey)) {
    throw new Error(`${path}: public_key is not the secret key's`);
  }
  return file.pop === undefined ? keys : { ...keys, pop: parseHex(file, 'pop', SIGNATURE_LENGTH) };
}

export const KEYGEN_USAGE = `Usage: pbts keygen [--out FILE] [--force]

Makes a BLS12-381 key pair from secure randomness and its proof of possession, and writes
{ public_key, secret_key, pop } (hex) to FILE (default pbts-key.json, mode 0600).
The secret key never leaves this machine; registration sends only the public key, the proof
and a signature over the user id.`;

/** `pbts keygen`. */
export function runKeygen(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string', default: 'pbts-key.json' }, force: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(KEYGEN_USAGE);
    return 0;
  }
  if (existsSync(values.out) && !values.force) {
    console.error(`${values.out} exists; refusing to overwrite a key (use --force)`);
    return 2;
  }
  const backend = getBackend();
  const keys = generateKeyPair(backend);
  const file: KeyFile = {
    public_key: hex(keys.publicKey),
    secret_key: hex(keys.secretKey),
    pop: hex(backend.popProve(keys.secretKey)),
  };
  writeFileSync(values.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  console.log(`public key ${file.public_key}\nkey pair written to ${values.out} (keep it secret)`);
  return 0;
}

export const REGISTER_USAGE = `Usage: pbts register --tracker URL --user ID [--key FILE] [--invite CODE] [--admin]

Registers user ID at the tracker with the key pair and proof of possession in FILE
(default pbts-key.json, made by pbts keygen), signing the user id with the key, and prints
the passkey and the announce URL to give to your BitTorrent client.

  --invite CODE   invite code from the tracker's admin (trackers whose registration is invite)
  --admin         send the admin token of PBTS_ADMIN_TOKEN (registers under every policy,
                  closed too); only ever to your own tracker`;

/** `pbts register`. */
export async function runRegister(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tracker: { type: 'string' },
      user: { type: 'string' },
      key: { type: 'string', default: 'pbts-key.json' },
      invite: { type: 'string' },
      admin: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(REGISTER_USAGE);
    return 0;
  }
  if (!values.tracker || !values.user) {
    console.error(`--tracker and --user are required\n\n${REGISTER_USAGE}`);
    return 2;
  }
  // The token is sent only when asked for: a shell's PBTS_ADMIN_TOKEN must not go to any tracker typed here.
  const adminToken = values.admin ? process.env.PBTS_ADMIN_TOKEN || undefined : undefined;
  if (values.admin && adminToken === undefined) {
    console.error('--admin sends the token in PBTS_ADMIN_TOKEN, which is not set');
    return 2;
  }
  // The secret key signs the user id here; only the signature goes to the tracker.
  const key = readKeyFile(values.key);
  let registered: Registration;
  try {
    registered = await new TrackerClient(values.tracker).register(values.user, key, { invite: values.invite, adminToken });
  } catch (error) {
    if (!(error instanceof TrackerRefusal)) throw error;
    console.error(`registration refused (${error.status} ${error.code}): ${error.reason}`);
    return 1;
  }
  console.log(`registered ${registered.userId}\npasskey ${registered.passkey}\nannounce URL ${registered.announceUrl}`);
  return 0;
}
