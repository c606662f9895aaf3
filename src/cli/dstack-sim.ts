/**
 * `pbts dstack-sim`: runs the TEST ONLY dstack simulator until SIGINT or SIGTERM.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { toPem } from '../tee/sim/pki.ts';
import { startDstackSimulator } from '../tee/sim/server.ts';
import { untilStopSignal } from './signals.ts';

/** Seed used when none is given: a fixed one, so restarts keep the same test root CA. */
export const DEFAULT_SIM_SEED = 'pbts-dstack-sim';

/** Help text of `pbts dstack-sim`. */
export const DSTACK_SIM_USAGE = `Usage: pbts dstack-sim [options]

Serves the dstack guest-agent API (for @phala/dstack-sdk) with genuine TDX v4 quotes under a
seeded TEST root CA, plus PCCS routes for their collateral. TEST ONLY: its keys are public.

  --socket PATH          unix socket (default: dstack.sock in a new temp directory)
  --port N               TCP port on 127.0.0.1 (default 0: a free one)
  --seed S               seed of the test PKI, keys and measurements (default ${DEFAULT_SIM_SEED})
  --collateral-out FILE  write collateral JSON for dcap-qvl's verify (valid 30 days from now)
  --root-out FILE        write the test root CA: PEM if FILE ends in .pem, else DER`;

/** `pbts dstack-sim`; resolves when the simulator has stopped. */
export async function runDstackSim(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string' },
      port: { type: 'string', default: '0' },
      seed: { type: 'string', default: DEFAULT_SIM_SEED },
      'collateral-out': { type: 'string' },
      'root-out': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(DSTACK_SIM_USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a TCP port, got "${values.port}"`);
  const sim = await startDstackSimulator({ seed: values.seed, socketPath: values.socket, port });
  try {
    const rootOut = values['root-out'];
    if (rootOut !== undefined) await writeFile(rootOut, rootOut.endsWith('.pem') ? toPem(sim.rootCaDer) : sim.rootCaDer);
    const collateralOut = values['collateral-out'];
    if (collateralOut !== undefined) await writeFile(collateralOut, `${JSON.stringify(sim.collateral(), null, 2)}\n`);
  } catch (error) {
    await sim.close();
    throw error;
  }
  console.log(`pbts dstack-sim (seed "${values.seed}")`);
  console.log(`  unix socket:  ${sim.socketPath}`);
  console.log(`  HTTP:         ${sim.endpoint}   (DSTACK_SIMULATOR_ENDPOINT=${sim.endpoint})`);
  console.log(`  PCCS:         ${sim.endpoint}/sgx/certification/v4/ and /tdx/certification/v4/`);
  console.log(`  test root CA: sha256 ${bytesToHex(sha256(sim.rootCaDer))}`);
  await untilStopSignal();
  await sim.close();
  console.log('pbts dstack-sim stopped');
  return 0;
}
