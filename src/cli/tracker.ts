/**
 * `pbts tracker`: runs the tracker until SIGINT or SIGTERM, then shuts down gracefully.
 * @module
 */
import { parseArgs } from 'node:util';
import { isBackendName } from '../receipts/index.ts';
import { publicConfig } from '../tracker/admin.ts';
import { startTracker } from '../tracker/server.ts';

export const TRACKER_USAGE = `Usage: pbts tracker [options]

  --port N              TCP port (default 8000; 0 picks a free one)       [PBTS_PORT]
  --host ADDR           listen address (default 127.0.0.1)                [PBTS_HOST]
  --data-dir DIR        durable state: SQLite database (default ./data)   [PBTS_DATA_DIR]
  --admin-token TOKEN   enables admin routes (prefer the variable)        [PBTS_ADMIN_TOKEN]
  --mode MODE           private (passkeys, ratio gate; default) or open   [PBTS_MODE]
  --min-ratio X         ratio below which a started announce is refused (default 0.5)
  --initial-credit B    upload credit of new users in bytes (default 1 GiB)
  --epoch-seconds W     receipt epoch length (default 3600)
  --window N            receipt acceptance window in epochs (default 24)
  --interval S          announce interval in seconds (default 1800)
  --trust-proxy IPS     honour X-Forwarded-For from these proxies (comma-separated)
  --verify-workers N    BLS verification threads (default: CPU count)
  --backend NAME        BLS backend: blst (default) or noble              [PBTS_BLS_BACKEND]`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${text}"`);
  return value;
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
      'epoch-seconds': { type: 'string' },
      window: { type: 'string' },
      interval: { type: 'string' },
      'trust-proxy': { type: 'string' },
      'verify-workers': { type: 'string' },
      backend: { type: 'string', default: process.env.PBTS_BLS_BACKEND ?? 'blst' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(TRACKER_USAGE);
    return 0;
  }
  if (values.mode !== 'private' && values.mode !== 'open') throw new Error('--mode must be private or open');
  if (!isBackendName(values.backend)) throw new Error('--backend must be blst or noble');
  const tracker = await startTracker({
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
      epochSeconds: number('epoch-seconds', values['epoch-seconds']),
      windowEpochs: number('window', values.window),
      interval: number('interval', values.interval),
      trustProxy: values['trust-proxy']?.split(',').filter(Boolean),
    },
  });
  const settings = publicConfig(tracker.config);
  console.log(
    `pbts tracker listening on ${tracker.url} (${settings.mode} mode, data dir ${tracker.config.dataDir}, ` +
      `BLS ${values.backend}, admin routes ${settings.admin_routes ? 'enabled' : 'disabled'})`,
  );
  console.log(`announce URL: ${tracker.url}/announce${settings.mode === 'private' ? '/<passkey>' : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await tracker.close();
  console.log('pbts tracker stopped');
  return 0;
}
