/**
 * The HTML report in a real browser: a run of hand-written reports rendered to index.html and
 * opened offline in headless Chromium.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Machine } from '../src/bench/machine.ts';
import { renderHtml } from '../src/bench/report/html.ts';
import { type Report, text } from '../src/bench/report/model.ts';
import type { RunReport } from '../src/bench/run/run.ts';
import { targetCheck } from '../src/bench/targets.ts';

const CHROMIUM = process.env.PBTS_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
// CI sets PBTS_REQUIRE_BROWSER=1: there a missing browser fails the test instead of skipping it.
const requireBrowser = process.env.PBTS_REQUIRE_BROWSER === '1';
if (!haveBrowser && !requireBrowser) {
  console.warn(`html-report.test.ts skipped: no Chromium at ${CHROMIUM}. Install it with 'apt-get install chromium', or set PBTS_CHROMIUM to its path.`);
}

const INJECTED = '<script>window.__pwned = true</script> & <b>bold</b>';

const ms = (digits: number) => ({ digits });

const receipts: Report = {
  sections: [
    {
      title: 'RESULTS SUMMARY [blst]',
      heading: 'rule',
      blocks: [
        text('1. Keypair Generation:'),
        {
          kind: 'figures',
          indent: '   ',
          items: [
            { label: 'Mean', value: 0.1537, unit: 'ms', format: ms(4) },
            { label: 'Median', value: 0.154, unit: 'ms', format: ms(4) },
            { label: 'p95 / p99', value: 0.168, unit: 'ms', format: ms(4), after: '(20 samples)' },
          ],
        },
        text(''),
        text('5. Aggregate Signature Verification:'),
        {
          kind: 'table',
          id: 'aggregate-verification',
          indent: '   ',
          columns: [
            { header: 'Batch Size', width: 12, format: ms(0) },
            { header: 'Aggregate (ms)', unit: 'ms', width: 15, format: ms(4) },
            { header: 'Individual (ms)', unit: 'ms', width: 16, format: ms(4) },
            { header: 'Speedup', unit: 'x', width: 7, format: { digits: 2, suffix: 'x' } },
          ],
          rows: [
            [10, 3.4162, 13.224, 3.87],
            [50, 17.081, 66.12, 3.87],
            [100, 34.162, 132.24, 3.87],
            [500, 170.81, 661.2, 3.87],
          ],
        },
      ],
    },
    {
      title: 'INTERPRETATION',
      heading: 'line',
      blocks: [text('   Creating a receipt costs 0.4180 ms (median).', '   For 500 receipts: aggregate 0.3416 ms per receipt vs individual 1.3224 ms (3.87x).')],
    },
    { title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: [] }] },
  ],
  headline: [{ key: 'receipt_creation_mean_ms', label: 'Receipt creation (mean)', value: 0.4172, unit: 'ms', format: ms(4) }],
  targets: [
    targetCheck('aggregate speedup at 500', '>= 2x individual', 3.87, 'x', (v) => v >= 2, 'same run'),
    targetCheck('receipt verification', '< 2 ms', 1.3396, 'ms', (v) => v < 2, 'blst'),
  ],
  charts: [
    {
      id: 'aggregate-verification',
      title: 'Aggregate vs individual verification',
      mark: 'bar',
      scale: 'log',
      x: { title: 'Batch size', values: [10, 50, 100, 500] },
      y: { title: 'Time', unit: 'ms' },
      series: [
        { name: 'aggregate', values: [3.4162, 17.081, 34.162, 170.81] },
        { name: 'individual', values: [13.224, 66.12, 132.24, 661.2] },
      ],
    },
    {
      id: 'backends',
      title: 'Receipt operations by backend',
      mark: 'bar',
      x: { title: 'Operation', values: ['keypair', 'sign', 'verify'] },
      y: { title: 'Mean', unit: 'ms' },
      series: [
        { name: 'noble', values: [0.342, 4.213, 8.745] },
        { name: 'blst', values: [0.154, 0.417, null] },
      ],
    },
  ],
};
receipts.sections[2]!.blocks = [{ kind: 'targets', checks: receipts.targets }];

const load: Report = {
  sections: [
    {
      title: 'LOAD TEST RESULTS',
      heading: 'rule',
      blocks: [
        {
          kind: 'table',
          id: 'throughput',
          columns: [
            { header: 'Clients', width: 8, align: 'right', format: ms(0) },
            { header: 'Announce', unit: 'req/s', width: 12, align: 'right', format: { digits: 0, grouped: true } },
            { header: 'Report', unit: 'req/s', width: 12, align: 'right', format: { digits: 0, grouped: true }, missing: 'n/m' },
            { header: 'Errors', width: 8, align: 'right', format: ms(0) },
          ],
          rows: [[10, 8123.4, 912.2, 0], [50, 12040.9, null, 0], [], [100, 13177.1, 1490.6, 3]],
        },
        text('', 'Set-up: loopback only, private mode; 10 fresh receipts per report.', INJECTED),
        { kind: 'targets', checks: [] },
      ],
    },
  ],
  headline: [],
  targets: [targetCheck('announces at 100 clients', '>= 10,000 req/s', 13177.1, 'req/s', (v) => v >= 10_000, 'loopback'), targetCheck('p99 at 100 clients', '< 50 ms', null, 'ms', () => true, '')],
  charts: [
    {
      id: 'throughput',
      title: 'Throughput by client count',
      mark: 'line',
      x: { title: 'Clients', values: [10, 50, 100] },
      y: { title: 'Throughput', unit: 'req/s' },
      series: [
        { name: 'announce', values: [8123.4, 12040.9, 13177.1] },
        { name: 'report', values: [912.2, null, 1490.6] },
      ],
    },
    {
      id: 'latency',
      title: `Latency ${INJECTED}`,
      mark: 'line',
      scale: 'log',
      x: { title: 'Clients', values: [10, 50, 100] },
      y: { title: 'Latency', unit: 'ms' },
      series: [
        { name: 'p50', values: [1.2, 2.5, 4.8] },
        { name: 'p99', values: [0, 9.1, 20.3] },
      ],
    },
  ],
};
load.sections[0]!.blocks[2] = { kind: 'targets', checks: load.targets };

/** Data marks each chart must draw, counted by hand: nulls dropped, and the log scale's 0. */
const EXPECTED_MARKS: Record<string, number> = {
  'receipts/aggregate-verification': 8,
  'receipts/backends': 5,
  'load/throughput': 5,
  'load/latency': 5,
};

const machine: Machine = {
  cpu_model: 'AMD EPYC 7B13 64-Core Processor',
  cores: 2,
  total_memory_gib: 23.47,
  platform: 'linux',
  arch: 'x64',
  node_version: 'v20.20.2',
  git_commit: '1a2b3c4',
  date: '2025-06-01T10:00:00.000Z',
  profile: 'linux-x64-2core',
};

const run: RunReport = {
  started: '2025-06-01T09:58:12.000Z',
  total_time_s: 612.4,
  quick: true,
  machine,
  experiments: [
    { name: 'receipts', title: 'RECEIPT OPERATIONS', status: 'ok', report: receipts, file: 'receipts.json' },
    { name: 'load', title: 'TRACKER LOAD', status: 'ok', report: load, file: 'load.json' },
    { name: 'onchain', title: 'ON-CHAIN REPUTATION', status: 'failed', reason: `anvil exited with code 1 ${INJECTED}` },
    { name: 'tee', title: 'TEE OPERATIONS', status: 'skipped', reason: 'no dstack simulator socket' },
  ],
  summaryText: ['PBTS EXPERIMENT SUMMARY (quick run)', '  receipts: Receipt creation (mean) 0.4172 ms', '  load: FAILED & more', '  tee: skipped'].join('\n'),
  comparisonText: ['COMPARISON WITH THE PROTOTYPE', '  Receipt creation (mean)   ours 0.4172 ms   theirs 4.2134 ms   10.10x faster'].join('\n'),
};

describe.skipIf(!haveBrowser && !requireBrowser)('index.html in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    if (!haveBrowser) throw new Error(`PBTS_REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM}: apt-get install chromium`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'pbts-html-'));
    file = path.join(dir, 'index.html');
    writeFileSync(file, await renderHtml(run));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('default', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);

    const figures = await page.$$eval('figure[data-chart]', (all) =>
      all.map((f) => ({
        chart: f.getAttribute('data-chart'),
        marks: Number(f.getAttribute('data-marks')),
        svgs: f.querySelectorAll(':scope > svg').length,
        drawn: f.querySelectorAll('svg g.mark-rect.role-mark path, svg g.mark-symbol.role-mark path').length,
        width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })),
    );
    expect(figures.map((f) => f.chart)).toEqual(Object.keys(EXPECTED_MARKS));
    for (const f of figures) {
      expect(f.svgs, f.chart!).toBe(1);
      expect(f.marks, f.chart!).toBe(EXPECTED_MARKS[f.chart!]);
      expect(f.drawn, f.chart!).toBe(f.marks);
      expect(f.width, f.chart!).toBeGreaterThan(300);
    }

    const status = (name: string) => page.locator(`#exp-${name} .status`).innerText();
    expect(await status('receipts')).toBe('ok measured; result file receipts.json');
    expect(await status('onchain')).toBe(`FAILED failed: anvil exited with code 1 ${INJECTED}`);
    expect(await status('tee')).toBe('SKIPPED skipped: no dstack simulator socket');

    // Injected markup shows as text and never runs. (Page scripts that name DOM globals are
    // strings: this project's TypeScript has no DOM library.)
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('script, b').count()).toBe(0);
    expect(await page.locator('#exp-load pre.text').innerText()).toContain(INJECTED);

    // The summary's targets overview: every check with its verdict, and why there are none.
    const overview = await page.locator('table.targets-overview tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)),
    );
    expect(overview).toEqual([
      ['receipts', 'PASS', 'aggregate speedup at 500'],
      ['receipts', 'PASS', 'receipt verification'],
      ['load', 'PASS', 'announces at 100 clients'],
      ['load', 'n/a', 'p99 at 100 clients'],
      ['onchain', 'n/a', `failed: anvil exited with code 1 ${INJECTED}`],
      ['tee', 'n/a', 'skipped: no dstack simulator socket'],
    ]);

    // Tables: headers with units, numbers right-aligned, a missing cell as its column writes it.
    const table = page.locator('table[data-table="throughput"]');
    expect(await table.locator('thead th').allInnerTexts()).toEqual(['Clients', 'Announce (req/s)', 'Report (req/s)', 'Errors']);
    expect(await table.locator('tbody tr').nth(1).locator('td').allInnerTexts()).toEqual(['50', '12,041', 'n/m', '0']);
    expect(await page.evaluate(`getComputedStyle(document.querySelector('table[data-table="throughput"] td')).textAlign`)).toBe('right');

    await page.close();
  });

  test('behavior: a narrow window scrolls nothing sideways', async () => {
    const page = await browser.newPage({ viewport: { width: 400, height: 800 } });
    await page.goto(pathToFileURL(file).href);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
    await page.close();
  });
});
