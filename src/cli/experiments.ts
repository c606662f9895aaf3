/**
 * `pbts experiments <name> [options]`: runs one experiment's bench file through Vitest's Node
 * API, passing the seed's options as the `PBTS_*` environment variables the bench files read.
 * @module
 */
import { startVitest } from 'vitest/node';

/** How a flag reaches the bench file: a variable, and whether it takes a list or nothing. */
interface FlagSpec {
  env: string;
  kind: 'value' | 'list' | 'boolean';
  help: string;
  /** Placeholder of the value in the usage text. */
  arg?: string;
}

const COMMON: Record<string, FlagSpec> = {
  output: { env: 'PBTS_OUTPUT', kind: 'value', arg: 'FILE', help: 'also write the JSON result to FILE' },
  quick: { env: 'PBTS_QUICK', kind: 'boolean', help: 'smoke run of a few seconds' },
};

/** Every experiment with its flags (beyond --output and --quick). */
export const EXPERIMENTS: Record<string, { summary: string; flags: Record<string, FlagSpec> }> = {
  receipts: {
    summary: 'BLS receipt creation, verification and aggregation, blst and noble side by side',
    flags: {
      iterations: { env: 'PBTS_ITERATIONS', kind: 'value', help: 'samples per operation (default 1000)' },
      'noble-iterations': {
        env: 'PBTS_NOBLE_ITERATIONS',
        kind: 'value',
        help: 'samples per operation on the pure-JS backend (default 50)',
      },
      'batch-sizes': { env: 'PBTS_BATCH_SIZES', kind: 'list', help: 'aggregation batch sizes (default 10 50 100 500)' },
      backends: { env: 'PBTS_BACKENDS', kind: 'list', arg: 'NAME', help: 'BLS backends to measure (default blst noble)' },
    },
  },
  tee: {
    summary: 'key derivation regular vs dstack SDK, quote generation (simulator), quote verification warm/cold',
    flags: {
      iterations: { env: 'PBTS_ITERATIONS', kind: 'value', help: 'key derivation and quote generation samples (default 100)' },
      'verify-iterations': {
        env: 'PBTS_VERIFY_ITERATIONS',
        kind: 'value',
        help: 'verification samples per case, and cold runs (default 10)',
      },
    },
  },
  load: {
    summary: 'tracker capacity with concurrent clients, announces vs receipt reports, against bittorrent-tracker',
    flags: {
      'tracker-url': {
        env: 'PBTS_TRACKER_URL',
        kind: 'value',
        arg: 'URL',
        help: 'load this running tracker (loopback only) instead of starting one',
      },
      clients: { env: 'PBTS_CLIENTS', kind: 'list', help: 'concurrent clients, one connection each (default 10 50 100)' },
      requests: {
        env: 'PBTS_REQUESTS',
        kind: 'value',
        help: 'reports per client in receipts runs (default 100, as the seed; see --max-reports)',
      },
      mode: { env: 'PBTS_LOAD_MODE', kind: 'value', arg: 'MODE', help: 'announce, receipts or both (default both)' },
      announces: {
        env: 'PBTS_LOAD_ANNOUNCES',
        kind: 'value',
        help: 'announces per announce run, over all clients (default 50000: a few seconds, where 100 per client lasts <1 s)',
      },
      'max-reports': {
        env: 'PBTS_LOAD_MAX_REPORTS',
        kind: 'value',
        help: 'most reports per receipts run, each pre-signed (default 2000)',
      },
      'receipts-per-report': {
        env: 'PBTS_LOAD_RECEIPTS_PER_REPORT',
        kind: 'value',
        help: 'fresh receipts per report, distinct receivers (default 10)',
      },
      'max-seconds': { env: 'PBTS_LOAD_MAX_SECONDS', kind: 'value', arg: 'S', help: 'time cap of every run (default 30)' },
    },
  },
  onchain: {
    summary: 'registration, reputation updates single and batched, gas per operation, annual cost projection',
    flags: {
      users: { env: 'PBTS_USERS', kind: 'value', help: 'users registered, one per transaction (default 100)' },
      updates: { env: 'PBTS_UPDATES', kind: 'value', help: 'single-update transactions; also sizes the batch runs (default 100)' },
      'tracker-url': {
        env: 'PBTS_TRACKER_URL',
        kind: 'value',
        arg: 'URL',
        help: 'running tracker (loopback only) to measure through, when its API has chain routes',
      },
      'no-auto-start': {
        env: 'PBTS_NO_AUTO_START',
        kind: 'boolean',
        help: "use the chain at --rpc-url with --factory instead of the fixture's Anvil",
      },
      'rpc-url': { env: 'PBTS_RPC_URL', kind: 'value', arg: 'URL', help: 'existing Anvil JSON-RPC URL (loopback only)' },
      factory: { env: 'PBTS_FACTORY', kind: 'value', arg: 'ADDR', help: 'ReputationFactory deployed on that chain' },
      'gas-price-gwei': { env: 'PBTS_GAS_PRICE_GWEI', kind: 'value', arg: 'X', help: 'gas price of the cost projection (default 30)' },
      'eth-usd': { env: 'PBTS_ETH_USD', kind: 'value', arg: 'X', help: 'ETH price in USD of the cost projection (default 3000)' },
    },
  },
};

/** Usage text of `pbts experiments`. */
export function experimentsUsage(): string {
  const lines = ['Usage: pbts experiments <name> [options]', '', 'Experiments:'];
  for (const [name, { summary, flags }] of Object.entries(EXPERIMENTS)) {
    lines.push(`  ${name.padEnd(12)} ${summary}`);
    for (const [flag, spec] of Object.entries({ ...flags, ...COMMON })) {
      const placeholder = spec.arg ?? 'N';
      const arg = spec.kind === 'boolean' ? '' : spec.kind === 'list' ? ` ${placeholder}...` : ` ${placeholder}`;
      lines.push(`      --${(flag + arg).padEnd(24)} ${spec.help} [${spec.env}]`);
    }
  }
  return lines.join('\n');
}

/**
 * Turns flags into environment variables. List flags take the following words up to the next
 * flag (`--batch-sizes 10 50 100`) or one comma-separated word.
 */
export function flagsToEnv(name: string, args: readonly string[]): Record<string, string> {
  const experiment = EXPERIMENTS[name];
  if (!experiment) throw new Error(`unknown experiment "${name}" (known: ${Object.keys(EXPERIMENTS).join(', ')})`);
  const flags = { ...experiment.flags, ...COMMON };
  const env: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : [undefined, undefined];
    const spec = flag === undefined ? undefined : flags[flag];
    if (!spec) throw new Error(`unknown option "${arg}" for experiment ${name}`);
    if (spec.kind === 'boolean') {
      env[spec.env] = '1';
      continue;
    }
    const values: string[] = inline === undefined ? [] : [inline];
    while (inline === undefined && i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
      values.push(args[++i]!);
      if (spec.kind === 'value') break;
    }
    if (values.length === 0) throw new Error(`option --${flag} needs a value`);
    env[spec.env] = values.join(' ');
  }
  return env;
}

/** Runs the experiment and returns the process exit code. */
export async function runExperiment(name: string, args: readonly string[]): Promise<number> {
  Object.assign(process.env, flagsToEnv(name, args));
  const vitest = await startVitest('benchmark', [`bench/${name}.bench.ts`], { run: true, watch: false });
  await vitest.close();
  return Number(process.exitCode ?? 0);
}
