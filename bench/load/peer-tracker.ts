/**
 * The peer tracker to beat: the `bittorrent-tracker` server in its own process, HTTP only (no UDP,
 * no WebSocket, no stats page). Prints `bittorrent-tracker listening on http://127.0.0.1:PORT`;
 * SIGTERM closes it.
 * @module
 */
import type { AddressInfo } from 'node:net';
import Server from 'bittorrent-tracker/server';

const server = new Server({ http: true, udp: false, ws: false, stats: false, interval: 1_800_000 });
let warnings = 0;
// Bad requests are warnings to the server (it answers them with a failure reason).
server.on('warning', () => {
  warnings++;
});
server.on('error', (error: Error) => {
  console.error(`bittorrent-tracker error: ${error.message}`);
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.http!.address() as AddressInfo;
  console.log(`bittorrent-tracker listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => {
  server.close(() => {
    console.log(`bittorrent-tracker stopped (${warnings} warnings)`);
    process.exit(0);
  });
});
