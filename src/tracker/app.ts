/**
 * The tracker's Hono app: BitTorrent routes (announce, scrape) plus the PBTS routes joined in
 * with `app.route`.
 * @module
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ChainService } from '../chain/service.ts';
import type { VerifyPool } from '../receipts/index.ts';
import type { TeeRuntime } from '../tee/runtime.ts';
import type { ReportCommitter, Store } from '../store/index.ts';
import { configRoutes } from './admin.ts';
import { type Announcer, announceRoutes, createAnnouncer } from './announce.ts';
import { chainRoutes, chainSamples } from './chain-routes.ts';
import type { TrackerConfig } from './config.ts';
import { INTERNAL_ERROR, NOT_FOUND } from './errors.ts';
import { closedHooks, openHooks, type TrackerHooks } from './hooks.ts';
import type { TrackerEnv } from './query.ts';
import { infoRoutes, infoSamples } from './info.ts';
import { RequestCounter, type Sample, metricsRoutes } from './metrics.ts';
import { inviteRoutes } from './invites.ts';
import { registerRoutes } from './register.ts';
import { RegistrationLimit } from './registration-limit.ts';
import { type ReportParser, type Reporter, createReporter, reportRoutes } from './report.ts';
import { scrapeRoutes } from './scrape.ts';
import { Swarms } from './swarm.ts';
import { swarmLimitSamples } from './swarm-metrics.ts';
import { teeRoutes } from './tee-routes.ts';
import { usersRoutes } from './users.ts';

/** Inputs of {@link createApp}. */
export interface CreateAppOptions {
  config: Readonly<TrackerConfig>;
  /** Swarm storage; a fresh one sized by `config` when omitted. */
  swarms?: Swarms;
  /** Announce policy; defaults to {@link openHooks} in open mode, to refusing all in private mode. */
  hooks?: TrackerHooks;
  /** Unix time in seconds; `Date.now()` when omitted (tests inject one). */
  clock?: () => number;
  /** The PBTS side (register, report, users, stats, metrics, config); BitTorrent routes only when omitted. */
  pbts?: {
    store: Store;
    pool: VerifyPool;
    /** Where verified reports are committed; default: inline on the store's connection. */
    committer?: ReportCommitter;
    /** Where report bodies are parsed and checked; default: inline, on the event loop. */
    parser?: ReportParser;
    /** Unix milliseconds of start-up, for `/health`. */
    startedAt: number;
    /** The chain the store's outbox feeds; the chain routes say "disabled" without it. */
    chain?: ChainService;
    /** The TEE runtime behind `/tee/status` and `/tee/attestation`; no TEE routes without it. */
    tee?: TeeRuntime;
  };
}

/** The app and what a server's fast path shares with it. */
export interface TrackerApp {
  app: Hono<TrackerEnv>;
  swarms: Swarms;
  /** The announce logic behind the announce routes. */
  announce: Announcer;
  /** The report logic behind `POST /report`; undefined without the PBTS side. */
  report: Reporter | undefined;
  /** The request counters behind `/metrics`. */
  counter: RequestCounter;
  /** More `/metrics` samples, read at scrape time (the server adds its connection counters). */
  samples: (() => Sample[])[];
}

/** Build the tracker app and the swarms it serves. */
export function createApp(options: CreateAppOptions): TrackerApp {
  // POST /config changes settings in place; a frozen config (from resolveConfig) gets a live copy.
  const config = Object.isFrozen(options.config) ? { ...options.config } : (options.config as TrackerConfig);
  const swarms = options.swarms ?? new Swarms(config);
  const hooks = options.hooks ?? (config.mode === 'open' ? openHooks : closedHooks);
  const clock = options.clock ?? (() => Date.now() / 1000);

  const app = new Hono<TrackerEnv>();
  const counter = new RequestCounter();
  const samples: (() => Sample[])[] = [];
  app.use(counter.middleware());
  const announce = createAnnouncer({ config, swarms, hooks, clock });
  app.route('/', announceRoutes(announce));
  app.route('/', scrapeRoutes({ swarms, hooks, clock }));
  let report: Reporter | undefined;
  if (options.pbts) {
    const deps = { ...options.pbts, config, swarms, now: () => clock() * 1000 };
    const registration = new RegistrationLimit({ config, now: deps.now, verifiers: deps.pool.size });
    samples.push(() => registration.samples());
    app.route('/', registerRoutes({ ...deps, limit: registration }));
    app.route('/', inviteRoutes(deps));
    report = createReporter(deps);
    app.route('/', reportRoutes(report));
    app.route('/', usersRoutes({ store: deps.store, chain: deps.chain !== undefined }));
    app.route('/', infoRoutes(deps));
    app.route('/', configRoutes(config, report.limits));
    const chain = { chain: deps.chain, outbox: deps.store.outbox, config };
    app.route('/', chainRoutes(chain));
    if (options.pbts.tee) {
      // Attestations bind the contract once it exists, so a verifier can tie the quote to it.
      const contractAddress = () => (deps.chain?.status().contract ?? undefined) as `0x${string}` | undefined;
      app.route('/', teeRoutes({ tee: options.pbts.tee, contractAddress }));
    }
    const reporter = report;
    app.route('/', metricsRoutes(counter, () => [...infoSamples(deps), ...chainSamples(chain), ...reporter.samples(),
      ...swarmLimitSamples(swarms, config), ...samples.flatMap((more) => more())]));
  }

  app.notFound((c) => c.json(NOT_FOUND, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    // The operator needs the stack; the client never sees it.
    console.error(err);
    return c.json(INTERNAL_ERROR, 500);
  });
  return { app, swarms, announce, report, counter, samples };
}
