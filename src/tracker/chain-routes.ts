/**
 * Chain routes: `GET /chain/status` (open; the RPC URL only with the admin token), `POST
 * /chain/init` and `POST /chain/migrate` (admin token), and the chain's `/metrics` gauges. Without a chain the status says so and the admin
 * routes answer 409 `chain_disabled`.
 * @module
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { ChainRequestError, type ChainService, disabledStatus } from '../chain/service.ts';
import type { Outbox } from '../store/index.ts';
import { isAdmin, requireAdmin } from './admin.ts';
import type { TrackerConfig } from './config.ts';
import type { Sample } from './metrics.ts';

/** What {@link chainRoutes} needs; `chain` is undefined when the tracker runs without one. */
export interface ChainRoutesDeps {
  chain: ChainService | undefined;
  outbox: Outbox;
  config: Pick<TrackerConfig, 'adminToken'>;
}

/** Largest accepted body of the admin routes. */
const MAX_BODY_CHARS = 4096;

/** The JSON object body, `{}` when empty; a {@link ChainRequestError} when it is something else. */
async function objectBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_CHARS) throw new ChainRequestError(400, 'bad_request', `body over ${MAX_BODY_CHARS} characters`);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ChainRequestError(400, 'bad_json', 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ChainRequestError(400, 'bad_request', 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Runs an admin chain operation, answering its refusals as `{ error, reason }`. */
async function answer(
  c: Context,
  chain: ChainService | undefined,
  operation: (chain: ChainService, body: Record<string, unknown>) => Promise<unknown>,
  status: 200 | 201,
) {
  try {
    if (chain === undefined) {
      throw new ChainRequestError(409, 'chain_disabled', 'the tracker runs without a chain (--chain none)');
    }
    return c.json(await operation(chain, await objectBody(c)), status);
  } catch (error) {
    if (!(error instanceof ChainRequestError)) throw error;
    return c.json({ error: error.code, reason: error.message }, error.status);
  }
}

/** `GET /chain/status`, `POST /chain/init` `{ referrer? }`, `POST /chain/migrate` `{ user_id }`. */
export function chainRoutes(deps: ChainRoutesDeps): Hono {
  const { chain } = deps;
  return new Hono()
    .get('/chain/status', (c) =>
      c.json(chain?.status(isAdmin(deps.config, c.req.header('authorization')) ? 'admin' : 'public') ?? disabledStatus(deps.outbox)),
    )
    .post('/chain/init', requireAdmin(deps.config), (c) =>
      answer(c, chain, (service, body) => {
        const referrer = body.referrer ?? undefined;
        if (referrer !== undefined && typeof referrer !== 'string') {
          throw new ChainRequestError(400, 'bad_referrer', 'referrer must be a hex address string');
        }
        return service.init(referrer);
      }, 201),
    )
    .post('/chain/migrate', requireAdmin(deps.config), (c) =>
      answer(c, chain, (service, body) => service.migrate(body.user_id), 200),
    );
}

/** Chain gauges for `/metrics`: confirmed sequence, what waits, whether the node answers. */
export function chainSamples(deps: Pick<ChainRoutesDeps, 'chain' | 'outbox'>): Sample[] {
  const status = deps.chain?.status() ?? disabledStatus(deps.outbox);
  const gauge = (name: string, help: string, value: number): Sample => ({ name, help, type: 'gauge', value });
  return [
    gauge('pbts_chain_confirmed_sequence', 'Highest batch the chain has confirmed.', status.last_confirmed_sequence),
    gauge('pbts_chain_pending_entries', 'Outbox entries not yet confirmed on chain.', status.pending_entries),
    gauge('pbts_chain_pending_batches', 'Batches cut but not yet confirmed.', status.pending_batches),
    gauge('pbts_chain_connected', '1 when the last chain request got an answer.', status.connected ? 1 : 0),
    gauge(
      'pbts_chain_divergence',
      '1 while the contract holds a batch under one of our sequences that this tracker did not send (the sync stops there).',
      status.divergence === null ? 0 : 1,
    ),
    gauge('pbts_chain_divergent_sequence', 'The sequence of that batch; 0 while none.', status.divergence?.sequence ?? 0),
  ];
}
