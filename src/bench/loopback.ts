const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * `http://<loopback>:<port>` from a URL, or an error: experiments send load, requests and
 * transactions to this machine only. `localhost` becomes 127.0.0.1 (a name could resolve
 * elsewhere); a path, query or credentials are refused.
 */
export function loopbackUrl(raw: string, what = 'URL'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what} is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:') throw new Error(`${what} must be http://, got "${raw}"`);
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  if (!LOOPBACK_V4.test(host) && host !== '[::1]') {
    throw new Error(`${what} must be a loopback address (127.0.0.1 or [::1]): nothing is sent elsewhere, got "${raw}"`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`${what} must be a base URL without a path, got "${raw}"`);
  }
  return `http://${host}${url.port ? `:${url.port}` : ''}`;
}
