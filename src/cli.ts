/**
 * The `pbts` command.
 * @module
 */
import { runAbCli } from './bench/ab/cli.ts';
import { runCompareCli } from './bench/compare.ts';
import { experimentsUsage, runExperiment } from './cli/experiments.ts';
import { runInvite } from './cli/invites.ts';
import { runKeygen, runRegister } from './cli/keys.ts';
import { runCreate, runDownload, runSeed } from './cli/peer.ts';
import { runTracker } from './cli/tracker.ts';

const USAGE = `Usage: pbts <command> [options]

Commands:
  tracker [options]              run the tracker (pbts tracker --help)
  keygen [--out FILE]            make a BLS key pair and proof of possession
  register --tracker URL --user ID [--key FILE] [--invite CODE] [--admin]
                                 register a user, print the passkey and announce URL
  invite create|list|revoke --tracker URL [options]
                                 the admin's invite codes (pbts invite --help)
  create FILE --tracker URL [--out FILE.torrent] [--piece-length N]
                                 make a private .torrent for the tracker
  seed TORRENT --dir DIR --key FILE --tracker URL --passkey P [options]
                                 seed with receipts, report them (pbts seed --help)
  download TORRENT --dir DIR --key FILE --tracker URL --passkey P [options]
                                 download, signing receipts (pbts download --help)
  dstack-sim [options]           run the TEST ONLY dstack simulator (pbts dstack-sim --help)
  experiments <name> [options]   run an experiment (pbts experiments --help lists them)
  experiments all [options]      run every experiment, then SUMMARY.txt, COMPARISON.txt, index.html
  bench compare [options]        compare reports/latest with the stored baseline (--help)
  bench ab --base REF [options]  measure base and head in this job, alternated, judge ratios (--help)
  help                           show this help`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'tracker':
      return runTracker(rest);
    case 'keygen':
      return runKeygen(rest);
    case 'register':
      return runRegister(rest);
    case 'invite':
      return runInvite(rest);
    case 'create':
      return runCreate(rest);
    case 'seed':
      return runSeed(rest);
    case 'download':
      return runDownload(rest);
    case 'dstack-sim':
      // Loaded on demand so the TEST ONLY simulator is never in the tracker's module graph.
      return (await import('./cli/dstack-sim.ts')).runDstackSim(rest);
    case 'experiments': {
      const [name, ...args] = rest;
      if (name === undefined || name === '--help' || name === '-h') {
        console.log(experimentsUsage());
        return name === undefined ? 2 : 0;
      }
      return runExperiment(name, args);
    }
    case 'bench':
      if (rest[0] === 'compare') return runCompareCli(rest.slice(1));
      if (rest[0] === 'ab') return runAbCli(rest.slice(1));
      console.error('Usage: pbts bench compare [options]\n       pbts bench ab --base REF [options]');
      return 2;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`pbts: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
