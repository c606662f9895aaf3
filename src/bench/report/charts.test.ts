import { describe, expect, test } from 'vitest';
import { chartData, chartSvg } from './charts.ts';
import type { Chart } from './model.ts';

const bars: Chart = {
  id: 'aggregate',
  title: 'Aggregate verification',
  mark: 'bar',
  scale: 'log',
  x: { title: 'Batch size', values: [10, 100, 500] },
  y: { title: 'Time', unit: 'ms' },
  series: [
    { name: 'aggregate', values: [3.4, 34.2, 170.8] },
    { name: 'individual', values: [13.2, null, 0] },
  ],
};

const lines: Chart = {
  id: 'throughput',
  title: 'Announces',
  mark: 'line',
  x: { title: 'Clients', values: ['1', '10', '100'] },
  y: { title: 'Throughput', unit: 'req/s' },
  series: [
    { name: 'public', values: [900, 4100, -5] },
    { name: 'private', values: [800, null, 3900] },
  ],
};

/** The `<path>` elements inside the SVG's data-mark group of `kind` (legend symbols are another role). */
function markPaths(svg: string, kind: 'rect' | 'symbol'): number {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g'))];
  return groups.reduce((n, group) => n + (group[1]!.match(/<path /g)?.length ?? 0), 0);
}

describe('chartData', () => {
  test('default', () => {
    expect(chartData(lines)).toEqual([
      { x: '1', series: 'public', value: 900 },
      { x: '10', series: 'public', value: 4100 },
      { x: '100', series: 'public', value: -5 },
      { x: '1', series: 'private', value: 800 },
      { x: '100', series: 'private', value: 3900 },
    ]);
  });

  test('behavior: a log scale leaves out zero and negatives', () => {
    expect(chartData(bars).map((d) => `${d.series}@${d.x}`)).toEqual(['aggregate@10', 'aggregate@100', 'aggregate@500', 'individual@10']);
  });
});

describe('chartSvg', () => {
  test('default', async () => {
    const { svg, marks } = await chartSvg(bars);
    expect(marks).toBe(4);
    expect(markPaths(svg, 'rect')).toBe(4);
    expect(svg).toMatch(/^<svg [^>]*viewBox=/);
    expect(svg).toContain('Aggregate verification');
    expect(svg).toContain('Time (ms)');
    // Two series: a legend names them.
    expect(svg).toContain('role-legend');
    expect(svg).toContain('>individual<');
  });

  test('behavior: a line chart draws a point on each value', async () => {
    const { svg, marks } = await chartSvg(lines);
    expect(marks).toBe(5);
    expect(markPaths(svg, 'symbol')).toBe(5);
    expect(svg).toContain('mark-line role-mark');
  });

  test('behavior: one series has no legend', async () => {
    const { svg } = await chartSvg({ ...bars, scale: 'linear', series: [bars.series[0]!] });
    expect(markPaths(svg, 'rect')).toBe(3);
    expect(svg).not.toContain('role-legend');
  });

  test('behavior: text from the data is escaped and nothing outside the SVG is referenced', async () => {
    const { svg } = await chartSvg({ ...lines, title: '<script>x()</script> & co', series: [{ name: '<b>s</b>', values: [1, 2, 3] }] });
    expect(svg).not.toMatch(/<script|<b>/);
    expect(svg).toContain('&lt;script&gt;x()&lt;/script&gt; &amp; co');
    const outside = svg.replace(/ xmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
    expect(outside).not.toMatch(/https?:|href|src=|url\(|@import/);
  });
});
