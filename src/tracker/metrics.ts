/**
 * Prometheus metrics: HTTP requests counted by route and status in a middleware, and gauges
 * read from the swarms and the store when `/metrics` is scraped.
 * @module
 */
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';

/** A gauge or counter value read at scrape time. */
export interface Sample {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: number;
}

/** Request counters keyed by route and status. */
export class RequestCounter {
  private readonly counts = new Map<string, number>();

  /** Middleware counting every request by its first path segment and response status. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      await next();
      const path = c.req.path;
      const end = path.indexOf('/', 1);
      const route = end === -1 ? path.slice(1) : path.slice(1, end);
      // `/<passkey>/announce` counts as an announce.
      this.count(path.endsWith('/announce') ? 'announce' : route, c.res.status);
    };
  }

  /** Counts one request of `route` (its first path segment) answered with `status`. */
  count(route: string, status: number): void {
    const key = `route="${KNOWN_ROUTES.has(route) ? route : 'other'}",status="${status}"`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Prometheus text lines of the counters. */
  render(): string[] {
    const lines = [
      '# HELP pbts_http_requests_total HTTP requests by route and status.',
      '# TYPE pbts_http_requests_total counter',
    ];
    for (const [labels, count] of [...this.counts].sort()) lines.push(`pbts_http_requests_total{${labels}} ${count}`);
    return lines;
  }
}

// Unknown paths share one label so a scanner cannot grow the label set without bound.
const KNOWN_ROUTES = new Set([
  'announce', 'scrape', 'register', 'report', 'users', 'stats', 'health', 'metrics', 'config', 'chain', 'tee',
]);

/** `GET /metrics` in the Prometheus text exposition format. */
export function metricsRoutes(counter: RequestCounter, samples: () => Sample[]): Hono {
  return new Hono().get('/metrics', (c) => {
    const lines = counter.render();
    for (const sample of samples()) {
      lines.push(`# HELP ${sample.name} ${sample.help}`, `# TYPE ${sample.name} ${sample.type}`, `${sample.name} ${sample.value}`);
    }
    return c.text(`${lines.join('\n')}\n`, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
}
