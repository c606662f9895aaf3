/**
 * Debian's aria2 (`apt-get install aria2`) as the tests' real BitTorrent client: whether it is
 * here, and aria2c run on a .torrent on loopback only (no DHT, LPD or PEX), so its peers come
 * from the torrent's tracker or from us. Tests skip without it unless PBTS_REQUIRE_CLIENTS=1
 * (CI), where that fails.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';

const probe = spawnSync('aria2c', ['--version'], { encoding: 'utf8' });
/** aria2c's version line, or undefined when it is not installed. */
export const aria2Version: string | undefined = probe.status === 0 ? probe.stdout.split('\n')[0]! : undefined;
/** Whether the tests must run (CI) rather than skip when aria2c is missing. */
export const clientsRequired = process.env.PBTS_REQUIRE_CLIENTS === '1';

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running aria2c: the process, its output so far, and its listen port. */
export interface Aria2 {
  child: ChildProcess;
  output: () => string;
  port: number;
}

/** Writes `torrent` to `torrentFile` and runs aria2c on it with its data in `dir`, plus `args`. */
export async function runAria2(torrent: Uint8Array, torrentFile: string, dir: string, args: string[]): Promise<Aria2> {
  await writeFile(torrentFile, torrent);
  const port = await freePort();
  const child = spawn(
    'aria2c',
    [
      '--no-conf',
      `--dir=${dir}`,
      '--interface=127.0.0.1',
      `--listen-port=${port}`,
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--file-allocation=none',
      '--summary-interval=1',
      '--console-log-level=notice',
      ...args,
      torrentFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, port };
}
