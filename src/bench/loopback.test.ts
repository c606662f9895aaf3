import { expect, test } from 'vitest';
import { loopbackUrl } from './loopback.ts';

test('default: loopback addresses pass, as a base URL', () => {
  expect(loopbackUrl('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000');
  expect(loopbackUrl('http://127.1.2.3:9/')).toBe('http://127.1.2.3:9');
  expect(loopbackUrl('http://[::1]:8000')).toBe('http://[::1]:8000');
  expect(loopbackUrl('http://localhost:8000')).toBe('http://127.0.0.1:8000');
});

test('error: anything that could leave the machine, or is not a base URL, is refused', () => {
  for (const url of ['http://example.com', 'http://192.168.1.2:80', 'http://0.0.0.0:8000', 'http://127.0.0.1.nip.io']) {
    expect(() => loopbackUrl(url)).toThrow(/loopback/);
  }
  expect(() => loopbackUrl('https://127.0.0.1')).toThrow(/http:\/\//);
  expect(() => loopbackUrl('http://127.0.0.1:8000/announce', 'tracker URL')).toThrow(/tracker URL must be a base URL without a path/);
  expect(() => loopbackUrl('not a url')).toThrow(/not a URL/);
});
