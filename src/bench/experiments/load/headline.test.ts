import { describe, expect, test } from 'vitest';
import { RUNS } from './fixture.ts';
import { loadCharts, loadHeadline } from './headline.ts';

describe('loadHeadline', () => {
  test('default: the figures at the largest client count, named in the labels', () => {
    const figures = Object.fromEntries(loadHeadline(RUNS).map((h) => [h.key, [h.value, h.unit, h.label]]));
    expect(figures).toEqual({
      announce_throughput_rps: [32_000, 'req/s', 'Announce throughput (100 clients)'],
      announce_mean_ms: [3, 'ms', 'Announce mean latency (100 clients)'],
      announce_p99_ms: [8, 'ms', 'Announce p99 latency (100 clients)'],
      peer_announce_throughput_rps: [10_000, 'req/s', 'bittorrent-tracker announce throughput (100 clients)'],
      announce_vs_peer_x: [3.2, 'x', 'Announce throughput vs bittorrent-tracker (100 clients)'],
      report_throughput_rps: [300, 'req/s', 'Report throughput (100 clients)'],
      report_mean_ms: [330, 'ms', 'Report mean latency (100 clients)'],
      verified_receipts_per_s: [3_000, 'receipts/s', 'Verified receipts (100 clients)'],
      mixed_announce_p99_ms: [9.5, 'ms', 'Announce p99 during receipt verification (100 clients + 10 report clients)'],
    });
    expect(loadHeadline(RUNS).find((h) => h.key === 'announce_throughput_rps')!.format).toEqual({ digits: 0, grouped: true });
  });

  test('behavior: figures this run did not measure are null, under the same keys', () => {
    const announceOnly = RUNS.filter((run) => run.kind === 'announce' && run.tracker === 'pbts' && run.clients === 10);
    const figures = loadHeadline(announceOnly);
    expect(figures.map((h) => h.key)).toEqual(loadHeadline(RUNS).map((h) => h.key));
    expect(figures.filter((h) => h.value !== null).map((h) => [h.key, h.value])).toEqual([
      ['announce_throughput_rps', 20_000],
      ['announce_mean_ms', 0.5],
      ['announce_p99_ms', 1.5],
    ]);
    expect(figures.find((h) => h.key === 'report_throughput_rps')!.label).toBe('Report throughput');
  });
});

describe('loadCharts', () => {
  test('default: announce throughput and p99 of both trackers, and verified receipts, by client count', () => {
    expect(loadCharts(RUNS, [10, 100])).toEqual([
      {
        id: 'announce-throughput',
        title: 'Announce throughput',
        mark: 'bar',
        x: { title: 'Clients', values: [10, 100] },
        y: { title: 'Announces/s', unit: 'req/s' },
        series: [
          { name: 'PBTS', values: [20_000, 32_000] },
          { name: 'bittorrent-tracker', values: [8_000, 10_000] },
        ],
      },
      {
        id: 'announce-p99',
        title: 'Announce p99 latency',
        mark: 'line',
        x: { title: 'Clients', values: [10, 100] },
        y: { title: 'p99 latency', unit: 'ms' },
        series: [
          { name: 'PBTS', values: [1.5, 8] },
          { name: 'bittorrent-tracker', values: [3, 20] },
        ],
      },
      {
        id: 'receipts-throughput',
        title: 'Verified receipts',
        mark: 'bar',
        x: { title: 'Clients', values: [10, 100] },
        y: { title: 'Verified receipts/s', unit: 'receipts/s' },
        series: [{ name: 'Verified receipts/s', values: [2_500, 3_000] }],
      },
    ]);
  });

  test('behavior: a chart without data is left out, and so are unmeasured series and client counts', () => {
    const pbtsAt100 = RUNS.filter((run) => run.kind === 'announce' && run.tracker === 'pbts' && run.clients === 100);
    const charts = loadCharts(pbtsAt100, [10, 100]);
    expect(charts.map((c) => c.id)).toEqual(['announce-throughput', 'announce-p99']);
    expect(charts[0]).toMatchObject({ x: { values: [100] }, series: [{ name: 'PBTS', values: [32_000] }] });
    expect(charts[0]!.series).toHaveLength(1);
  });
});
