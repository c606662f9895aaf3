import { describe, expect, test } from 'vitest';
import { LOAD_OPTIONS, loadOptions, mixedShape, reportsPerRun } from './options.ts';

describe('loadOptions', () => {
  test('default: the seed defaults and the bounded totals', () => {
    const options = loadOptions({});
    expect(options).toMatchObject({
      trackerUrl: undefined,
      clients: [10, 50, 100],
      requests: 100,
      announces: 50_000,
      maxReports: 2_000,
      receiptsPerReport: 10,
      maxSeconds: 30,
      mode: 'both',
      users: 100,
    });
    expect(loadOptions({ PBTS_QUICK: '1' })).toMatchObject({ clients: [5, 10], requests: 5, announces: 2_000, maxReports: 50, maxSeconds: 10 });
    expect(reportsPerRun(options, 10)).toBe(1_000);
    expect(reportsPerRun(options, 50)).toBe(2_000);
    expect(reportsPerRun({ requests: 1, maxReports: 5 }, 20)).toBe(20);
    expect(mixedShape(options)).toEqual({ announceClients: 100, reportClients: 10, reports: 1_000 });
  });

  test('behavior: variables set the options; clients are sorted and deduplicated', () => {
    const options = loadOptions({
      PBTS_CLIENTS: '100 10,10',
      PBTS_REQUESTS: '200',
      PBTS_LOAD_MODE: 'receipts',
      PBTS_LOAD_RECEIPTS_PER_REPORT: '200',
      PBTS_TRACKER_URL: 'http://localhost:8000/',
    });
    expect(options).toMatchObject({ clients: [10, 100], requests: 200, mode: 'receipts', trackerUrl: 'http://127.0.0.1:8000' });
    expect(options.users).toBe(201);
  });

  test('behavior: the defaults are the specs', () => {
    const spec = (flag: string) => LOAD_OPTIONS.find((o) => o.flag === flag)!;
    expect(spec('announces')).toMatchObject({ env: 'PBTS_LOAD_ANNOUNCES', default: '50000', quick: '2000' });
    expect(spec('tracker-url')).toMatchObject({ env: 'PBTS_TRACKER_URL', default: 'none', arg: 'URL' });
    expect(spec('clients')).toMatchObject({ kind: 'list', default: '10 50 100', quick: '5 10' });
  });

  test('error: bad modes, sizes and non-loopback trackers are refused', () => {
    expect(() => loadOptions({ PBTS_LOAD_MODE: 'announces' })).toThrow(/announce, receipts or both/);
    expect(() => loadOptions({ PBTS_LOAD_RECEIPTS_PER_REPORT: '2000' })).toThrow(/at most 1024/);
    expect(() => loadOptions({ PBTS_CLIENTS: '5000' })).toThrow(/at most 1000/);
    expect(() => loadOptions({ PBTS_CLIENTS: ',' })).toThrow(/at least one client count/);
    expect(() => loadOptions({ PBTS_REQUESTS: '0' })).toThrow(/positive integer/);
    expect(() => loadOptions({ PBTS_TRACKER_URL: 'http://10.0.0.5:8000' })).toThrow(/loopback/);
  });
});
