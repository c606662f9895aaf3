import { describe, expect, test } from 'vitest';
import type { Machine } from '../machine.ts';
import type { RunEntry, RunReport } from '../run/run.ts';
import { targetCheck } from '../targets.ts';
import { escapeHtml, renderHtml } from './html.ts';
import { type Report, text } from './model.ts';

const machine: Machine = {
  cpu_model: 'AMD EPYC 7B13',
  cores: 2,
  total_memory_gib: 23.47,
  platform: 'linux',
  arch: 'x64',
  node_version: 'v20.20.2',
  git_commit: 'abc1234',
  date: '2025-01-02T03:04:05.000Z',
  profile: 'linux-x64-2core',
};

const report: Report = {
  sections: [
    {
      title: 'RESULTS SUMMARY [blst]',
      heading: 'rule',
      blocks: [
        {
          kind: 'figures',
          indent: '   ',
          items: [
            { label: 'Mean', value: 0.2021, unit: 'ms', format: { digits: 4 } },
            { label: 'p95', value: null, unit: 'ms', after: '(20 samples)' },
          ],
        },
        {
          kind: 'table',
          id: 'aggregate',
          columns: [
            { header: 'Batch Size', width: 12 },
            { header: 'Mean (ms)', unit: 'ms', width: 15, format: { digits: 4 } },
            { header: 'Speedup', unit: 'x', width: 8, align: 'right', format: { suffix: 'x' } },
          ],
          rows: [[10, 3.41621, 3.866], [], ['100 <big>', null, 12345.5]],
        },
        text('', '   Creating a receipt costs 0.4180 ms.', '     (median)', ''),
        { kind: 'targets', checks: [targetCheck('speedup', '>= 2x', 3.87, 'x', (v) => v >= 2, 'same run'), targetCheck('absent', '< 1 ms', null, 'ms', () => true, '')] },
      ],
    },
    { title: 'hidden', heading: 'none', blocks: [text('NOTES <i>', 'a & b')] },
  ],
  headline: [],
  targets: [targetCheck('floor', '>= 1000 req/s', 800, 'req/s', (v) => v >= 1000, 'floor')],
  charts: [
    {
      id: 'speedup',
      title: 'Speedup',
      mark: 'bar',
      x: { title: 'Batch size', values: [10, 100] },
      y: { title: 'Speedup', unit: 'x' },
      series: [{ name: 'blst', values: [3.9, null] }],
    },
    {
      id: 'time',
      title: 'Time',
      mark: 'line',
      scale: 'log',
      x: { title: 'Batch size', values: [10, 100, 500] },
      y: { title: 'Time', unit: 'ms' },
      series: [
        { name: 'aggregate', values: [3.4, 34, 170] },
        { name: 'individual', values: [13, 0, 661] },
      ],
    },
  ],
};

function run(experiments: RunEntry[]): RunReport {
  return { started: '2025-01-02T03:00:00.000Z', total_time_s: 123.45, quick: true, machine, experiments, summaryText: 'SUMMARY\n  receipts: 0.20 ms', comparisonText: 'COMPARISON\n  none' };
}

const measured: RunEntry = { name: 'receipts', title: 'RECEIPT OPERATIONS', status: 'ok', report, file: 'receipts.json' };

describe('escapeHtml', () => {
  test('default', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});

describe('renderHtml', () => {
  test('default', async () => {
    const html = await renderHtml(run([measured]));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Started 2025-01-02T03:00:00.000Z · total 123.5 s · quick run');
    for (const fact of ['AMD EPYC 7B13', '23.47 GiB', 'v20.20.2', 'abc1234', 'linux-x64-2core']) expect(html).toContain(fact);
    expect(html).toContain('<pre class="run-text">SUMMARY\n  receipts: 0.20 ms</pre>');
    expect(html).toContain('<pre class="run-text">COMPARISON\n  none</pre>');
    // The targets overview lists the report's checks, not only those printed in sections.
    expect(html).toMatch(/<table class="targets-overview">.*<span class="badge fail">FAIL<\/span><\/td><td>floor<\/td><td class="num">800 req\/s<\/td>/s);
  });

  test('behavior: every block kind is rendered', async () => {
    const html = await renderHtml(run([measured]));
    expect(html).toContain('<h3>RESULTS SUMMARY [blst]</h3>');
    expect(html).not.toContain('<h3>hidden</h3>');
    // Figures: label, value in its format, unit, what follows.
    expect(html).toContain('<tr><th scope="row">Mean</th><td class="num">0.2021</td><td>ms</td><td class="note"></td></tr>');
    expect(html).toContain('<tr><th scope="row">p95</th><td class="num">-</td><td>ms</td><td class="note">(20 samples)</td></tr>');
    // Table: the unit once in each header, numbers right-aligned and formatted by the column, the empty row a new group.
    expect(html).toContain(
      '<thead><tr><th scope="col">Batch Size</th><th scope="col">Mean (ms)</th><th scope="col">Speedup <span class="unit">(x)</span></th></tr></thead>' +
        '<tbody><tr><td class="num">10.00</td><td class="num">3.4162</td><td class="num">3.87x</td></tr></tbody>' +
        '<tbody><tr><td>100 &#60;big&#62;</td><td>-</td><td class="num">12345.50x</td></tr></tbody>',
    );
    // Text: the shared indent and blank edges dropped, line structure kept.
    expect(html).toContain('<pre class="text">Creating a receipt costs 0.4180 ms.\n  (median)</pre>');
    expect(html).toContain('<pre class="text">NOTES &#60;i&#62;\na &#38; b</pre>');
    expect(html).toContain('<li><span class="badge pass">PASS</span> <strong>speedup</strong>: 3.87x <span class="note">(target &#62;= 2x; same run)</span></li>');
    expect(html).toContain('<li><span class="badge na">n/a</span> <strong>absent</strong>: - <span class="note">(target &#60; 1 ms; not measured in this run)</span></li>');
  });

  test('behavior: one figure per chart, with the data marks it draws', async () => {
    const html = await renderHtml(run([measured]));
    const figures = [...html.matchAll(/<figure data-chart="([^"]*)" data-marks="(\d+)"><svg /g)].map((m) => [m[1], Number(m[2])]);
    expect(figures).toEqual([
      ['receipts/speedup', 1],
      ['receipts/time', 5],
    ]);
  });

  test('behavior: failed and skipped experiments say so, with the reason', async () => {
    const html = await renderHtml(
      run([
        { name: 'tee', title: 'TEE', status: 'skipped', reason: 'no simulator' },
        { name: 'load', title: 'LOAD', status: 'failed', reason: 'bench threw: EADDRINUSE', report: { ...report, charts: [] } },
      ]),
    );
    expect(html).toContain('<p class="status"><span class="badge skipped">SKIPPED</span> skipped: no simulator</p>');
    expect(html).toContain('<p class="status"><span class="badge failed">FAILED</span> failed: bench threw: EADDRINUSE</p>');
    // A failed experiment still shows what it reported.
    expect(html).toMatch(/id="exp-load" data-status="failed">.*<h3>RESULTS SUMMARY \[blst\]<\/h3>/s);
    expect(html).toContain('<td colspan="4" class="note">skipped: no simulator</td>');
  });

  test('behavior: text from results cannot inject markup', async () => {
    const evil = '<script>window.__pwned = 1</script><img src=x onerror=alert(1)> & "q"';
    const chart = { ...report.charts[0]!, title: evil, series: [{ name: evil, values: [1, 2] }] };
    const entry: RunEntry = {
      name: `x"><script>`,
      title: evil,
      status: 'failed',
      reason: evil,
      report: { ...report, sections: [{ title: evil, heading: 'line', blocks: [text(evil)] }], charts: [chart], targets: [targetCheck(evil, evil, 1, evil, () => true, evil)] },
    };
    const html = await renderHtml({ ...run([entry]), started: evil, summaryText: evil, comparisonText: evil });
    expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(html).toContain('&#60;script&#62;window.__pwned = 1&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62; &#38; &#34;q&#34;');
    expect(html).toContain('id="exp-x---script-"');
  });

  test('behavior: a run with no experiments is still a page', async () => {
    const html = await renderHtml(run([]));
    expect(html).toContain('<nav><ul></ul></nav>');
    expect(html).toContain('<section id="machine">');
    expect(html).toContain('<section id="comparison">');
    expect(html).not.toContain('<figure');
    expect(html.trimEnd()).toMatch(/<\/html>$/);
  });

  test('behavior: nothing outside the page is referenced', async () => {
    const html = await renderHtml(run([measured, { name: 'tee', title: 'TEE', status: 'skipped', reason: 'off' }]));
    expect(html).toContain('<svg ');
    // SVG namespace declarations name a URI but load nothing: the one allowed mention.
    const rest = html.replace(/ xmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
    expect(rest).not.toMatch(/https?:\/\//);
    expect(rest).not.toMatch(/\bsrc=/);
    expect(rest).not.toMatch(/url\(|@import/);
    const hrefs = [...rest.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(['#exp-receipts', '#exp-tee', '#exp-receipts', '#exp-tee']);
    expect(rest).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });
});
