/**
 * Charts as static SVG: a report's `Chart` becomes a Vega-Lite spec, which Vega compiles and
 * renders in Node (no browser, no canvas), so the page shows its charts without any script.
 * @module
 */
import * as vega from 'vega';
import { type TopLevelSpec, compile } from 'vega-lite';
import type { Chart } from './model.ts';

/** Size of every chart's plot area, in pixels (axes, title and legend come on top). */
export const CHART_SIZE = { width: 440, height: 220 } as const;

/** One drawn value: a bar, or a point on a line. */
export interface ChartDatum {
  x: string;
  series: string;
  value: number;
}

/** The values a chart draws: nulls left out, and on a log scale zero and negatives too (it cannot place them). */
export function chartData(chart: Chart): ChartDatum[] {
  const drawable = (value: number | null): value is number =>
    value !== null && Number.isFinite(value) && (chart.scale !== 'log' || value > 0);
  return chart.series.flatMap((series) =>
    chart.x.values.flatMap((x, i) => {
      const value = series.values[i] ?? null;
      return drawable(value) ? [{ x: String(x), series: series.name, value }] : [];
    }),
  );
}

/** The Vega-Lite spec of a chart: bars grouped by series, or lines with a point on each value. */
export function chartSpec(chart: Chart): TopLevelSpec {
  const xOrder = [...new Set(chart.x.values.map(String))];
  const seriesOrder = chart.series.map((series) => series.name);
  const yTitle = chart.y.unit ? `${chart.y.title} (${chart.y.unit})` : chart.y.title;
  return {
    ...CHART_SIZE,
    title: chart.title,
    data: { values: chartData(chart) },
    mark: chart.mark === 'bar' ? { type: 'bar' } : { type: 'line', point: true },
    encoding: {
      // Fixed field names: Vega-Lite would read dots or brackets in a data-given name as a path.
      x: { field: 'x', type: 'nominal', sort: xOrder, title: chart.x.title, axis: { labelAngle: 0 } },
      ...(chart.mark === 'bar' && { xOffset: { field: 'series', sort: seriesOrder } }),
      // Bars stand side by side (xOffset), never stacked; unstacked, a log-scale bar starts at the plot's floor.
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { type: chart.scale ?? 'linear' }, stack: null },
      color: {
        field: 'series',
        type: 'nominal',
        sort: seriesOrder,
        // One series needs no key: the title says what it is.
        legend: seriesOrder.length > 1 ? { title: null, orient: 'bottom' } : null,
      },
    },
    // A generic family: the SVG must not name a font the page would have to fetch.
    config: { font: 'sans-serif', background: 'white' },
  };
}

/** A chart as one SVG element, and the number of data marks (bars or points) drawn in it. */
export async function chartSvg(chart: Chart): Promise<{ svg: string; marks: number }> {
  const view = new vega.View(vega.parse(compile(chartSpec(chart)).spec), { renderer: 'none' });
  try {
    return { svg: await view.toSVG(), marks: chartData(chart).length };
  } finally {
    view.finalize();
  }
}
