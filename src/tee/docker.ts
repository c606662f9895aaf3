/**
 * Whether a Docker engine answers here (for the official dstack simulator image, where one
 * exists). Checked by `GET /_ping` on DOCKER_HOST or /var/run/docker.sock, within a deadline.
 * @module
 */
import { request } from 'node:http';

/** Options of {@link dockerAvailable}. */
export interface DockerProbeOptions {
  /** `unix:///path` or `tcp://host:port`; default DOCKER_HOST, else the standard socket. */
  host?: string;
  /** Give up after this long (ms); default 500. */
  timeoutMs?: number;
}

/** True when a Docker engine answers `GET /_ping` with 200 within the deadline; never rejects. */
export function dockerAvailable(options: DockerProbeOptions = {}): Promise<boolean> {
  const host = options.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const timeoutMs = options.timeoutMs ?? 500;
  let target: { socketPath: string } | { host: string; port: number };
  if (host.startsWith('unix://')) target = { socketPath: host.slice('unix://'.length) };
  else if (host.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      req.destroy();
      resolve(false);
    }, timeoutMs);
    const req = request({ ...target, method: 'GET', path: '/_ping' }, (res) => {
      res.resume();
      clearTimeout(timer);
      resolve(res.statusCode === 200);
    });
    req.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    req.end();
  });
}
