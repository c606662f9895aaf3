import { serve } from '@hono/node-server';
import Client from 'bittorrent-tracker';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp } from '../src/tracker/app.ts';
import { resolveConfig } from '../src/tracker/config.ts';

// The real webtorrent tracker client against our tracker over loopback HTTP, in open mode.

const infoHash = 'f0'.repeat(10) + '8e'.repeat(10);
// The client's bencode turns a dict key that is not valid UTF-8 (our raw info hash) into hex,
// and the client then hex-encodes that again: what it reports for the right raw key is this.
const scrapedInfoHash = Buffer.from(infoHash).toString('hex');
const peerIdHex = (tag: string) => Buffer.from(`-WW0001-${tag.repeat(12)}`).toString('hex');

interface Update {
  complete: number;
  incomplete: number;
  interval: number;
}

interface Scrape {
  infoHash: string;
  complete: number;
  incomplete: number;
  downloaded: number;
}

let server: Server;
let announceUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  const { app } = createApp({ config: resolveConfig({ mode: 'open' }) });
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server));
  });
  announceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.destroy(() => resolve()))));
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

function newClient(tag: string, port: number): { client: Client; peers: string[] } {
  const client = new Client({ infoHash, peerId: peerIdHex(tag), announce: [announceUrl], port });
  clients.push(client);
  const peers: string[] = [];
  client.on('peer', (addr: string) => peers.push(addr));
  return { client, peers };
}

// The next `event` from the client; a warning or error (the tracker's failure reason) rejects.
function next<T>(client: Client, event: 'update' | 'scrape', action: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (data: T) => {
      cleanup();
      resolve(data);
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      client.off(event, done);
      client.off('warning', fail);
      client.off('error', fail);
    };
    client.on(event, done);
    client.on('warning', fail);
    client.on('error', fail);
    action();
  });
}

describe('bittorrent-tracker client', () => {
  test('default', async () => {
    const a = newClient('a', 6881);
    const b = newClient('b', 6882);

    const startedA = await next<Update>(a.client, 'update', () => a.client.start({ left: 1000 }));
    expect(startedA).toMatchObject({ complete: 0, incomplete: 1, interval: 1800 });
    expect(a.peers).toEqual([]);

    const startedB = await next<Update>(b.client, 'update', () => b.client.start({ left: 1000 }));
    expect(startedB).toMatchObject({ complete: 0, incomplete: 2 });
    expect(b.peers).toEqual(['127.0.0.1:6881']);

    const updatedA = await next<Update>(a.client, 'update', () => a.client.update({ left: 500, downloaded: 500 }));
    expect(updatedA).toMatchObject({ complete: 0, incomplete: 2 });
    expect(a.peers).toEqual(['127.0.0.1:6882']);

    const completedA = await next<Update>(a.client, 'update', () => a.client.complete({ left: 0, downloaded: 1000 }));
    expect(completedA).toMatchObject({ complete: 1, incomplete: 1 });

    const scraped = await next<Scrape>(b.client, 'scrape', () => b.client.scrape());
    expect(scraped).toMatchObject({ infoHash: scrapedInfoHash, complete: 1, incomplete: 1, downloaded: 1 });

    const stoppedA = await next<Update>(a.client, 'update', () => a.client.stop({ left: 0 }));
    expect(stoppedA).toMatchObject({ complete: 0, incomplete: 1 });

    const afterStop = await next<Scrape>(b.client, 'scrape', () => b.client.scrape());
    expect(afterStop).toMatchObject({ infoHash: scrapedInfoHash, complete: 0, incomplete: 1, downloaded: 1 });
  });
});
