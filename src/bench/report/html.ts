/**
 * The HTML renderer: a run as one self-contained page (index.html) that opens offline: styles
 * inline, charts as static SVG, no script, and a Content-Security-Policy that lets the page
 * load nothing at all, so even a result that slipped past escaping could not reach out.
 * @module
 */
import type { RunEntry, RunReport } from '../run/run.ts';
import { type TargetCheck, targetValue } from '../targets.ts';
import { chartSvg } from './charts.ts';
import { type Block, type Cell, type Column, type FiguresBlock, type Section, type TableBlock, formatNumber } from './model.ts';
import { cellText } from './text.ts';

/** `text` with the five characters HTML gives a meaning to written as entities. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const esc = escapeHtml;

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --na: #6e7781; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px 16px 48px; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 24px 0 8px; }
.meta, .status { color: var(--muted); margin: 4px 0 12px; }
nav ul { list-style: none; padding: 0; margin: 16px 0; display: flex; flex-wrap: wrap; gap: 8px; }
nav a { display: inline-block; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px;
  color: inherit; text-decoration: none; background: var(--soft); }
pre { margin: 8px 0; overflow-x: auto; font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre.run-text { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); border-bottom: 2px solid var(--line); white-space: nowrap; }
tbody + tbody { border-top: 2px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.unit { color: var(--muted); font-weight: normal; }
table.figures th { font-weight: normal; color: var(--muted); }
dl.machine { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.machine dt { color: var(--muted); }
dl.machine dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; min-width: 3.4em; padding: 0 6px; border-radius: 4px; color: #fff;
  font: bold 12px/1.7 ui-monospace, Menlo, Consolas, monospace; text-align: center; vertical-align: 1px; }
.badge.pass, .badge.ok { background: var(--pass); }
.badge.fail, .badge.failed { background: var(--fail); }
.badge.na, .badge.skipped { background: var(--na); }
ul.targets { list-style: none; padding: 0; }
ul.targets li { margin: 4px 0; }
.note { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
figure svg { display: block; width: 100%; height: auto; }
`;

const badge = (kind: 'pass' | 'fail' | 'na' | RunEntry['status'], label: string) =>
  `<span class="badge ${kind}">${esc(label)}</span>`;

function verdictBadge(check: TargetCheck): string {
  return check.pass === null ? badge('na', 'n/a') : check.pass ? badge('pass', 'PASS') : badge('fail', 'FAIL');
}

function statusBadge(entry: RunEntry): string {
  return badge(entry.status, entry.status === 'ok' ? 'ok' : entry.status.toUpperCase());
}

// Experiment names become fragment ids; anything but a plain name character is replaced.
const anchor = (name: string) => `exp-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** A column's header with its unit, unless the header already names it (`Mean (ms)`). */
function headerHtml(column: Column): string {
  const unit = column.unit && !column.header.includes(column.unit) ? ` <span class="unit">(${esc(column.unit)})</span>` : '';
  return `<th scope="col">${esc(column.header)}${unit}</th>`;
}

function tableHtml(block: TableBlock): string {
  // An empty row is the text table's group separator: here it starts a new row group.
  const groups: TableBlock['rows'][] = [[]];
  for (const row of block.rows) {
    if (row.length === 0) groups.push([]);
    else groups[groups.length - 1]!.push(row);
  }
  const cell = (value: Cell, column: Column) => {
    const numeric = typeof value === 'number' || column.align === 'right';
    return `<td${numeric ? ' class="num"' : ''}>${esc(cellText(value, column))}</td>`;
  };
  const bodies = groups
    .filter((rows) => rows.length > 0)
    .map((rows) => `<tbody>${rows.map((row) => `<tr>${block.columns.map((c, i) => cell(row[i] ?? null, c)).join('')}</tr>`).join('')}</tbody>`);
  return `<div class="scroll"><table data-table="${esc(block.id)}"><thead><tr>${block.columns.map(headerHtml).join('')}</tr></thead>${bodies.join('')}</table></div>`;
}

function figuresHtml(block: FiguresBlock): string {
  const rows = block.items.map((item) => {
    const value = item.value === null ? '-' : formatNumber(item.value, item.format);
    return `<tr><th scope="row">${esc(item.label)}</th><td class="num">${esc(value)}</td><td>${esc(item.unit)}</td><td class="note">${esc(item.after ?? '')}</td></tr>`;
  });
  return `<table class="figures"><tbody>${rows.join('')}</tbody></table>`;
}

/** Prose lines as one preformatted block, without the indent they all share or blank edges. */
function textHtml(lines: readonly string[]): string {
  const kept = [...lines];
  while (kept.length > 0 && kept[0]!.trim() === '') kept.shift();
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  if (kept.length === 0) return '';
  const indent = Math.min(...kept.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return `<pre class="text">${esc(kept.map((l) => l.slice(indent)).join('\n'))}</pre>`;
}

/** SUMMARY.txt or COMPARISON.txt, as written. */
const runTextHtml = (text: string) => `<pre class="run-text">${esc(text.trimEnd())}</pre>`;

function targetsHtml(checks: readonly TargetCheck[]): string {
  const items = checks.map(
    (c) =>
      `<li>${verdictBadge(c)} <strong>${esc(c.name)}</strong>: ${esc(targetValue(c))} <span class="note">(target ${esc(c.target)}; ${esc(c.note)})</span></li>`,
  );
  return `<ul class="targets">${items.join('')}</ul>`;
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'table':
      return tableHtml(block);
    case 'figures':
      return figuresHtml(block);
    case 'text':
      return textHtml(block.lines);
    case 'targets':
      return targetsHtml(block.checks);
  }
}

function sectionHtml(section: Section): string {
  const title = section.heading !== 'none' && section.title.trim() !== '' ? `<h3>${esc(section.title)}</h3>` : '';
  return `<section class="report-section">${title}${section.blocks.map(blockHtml).join('\n')}</section>`;
}

function machineHtml(run: RunReport): string {
  const m = run.machine;
  const rows: [string, string][] = [
    ['CPU', m.cpu_model],
    ['Cores', String(m.cores)],
    ['Memory', `${m.total_memory_gib} GiB`],
    ['Platform', `${m.platform} ${m.arch}`],
    ['Node', m.node_version],
    ['Commit', m.git_commit ?? 'none'],
    ['Date', m.date],
    ['Profile', m.profile],
  ];
  return `<section id="machine"><h2>Machine</h2><dl class="machine">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></section>`;
}

/** Every experiment's target checks in one table, or why it has none. */
function targetsOverviewHtml(run: RunReport): string {
  const rows = run.experiments.flatMap((entry) => {
    const name = `<td><a href="#${esc(anchor(entry.name))}">${esc(entry.name)}</a></td>`;
    const checks = entry.report?.targets ?? [];
    if (checks.length === 0) {
      const why = entry.report ? 'no target checks' : `${entry.status}: ${entry.reason ?? 'no report'}`;
      return [`<tr>${name}<td>${badge('na', 'n/a')}</td><td colspan="4" class="note">${esc(why)}</td></tr>`];
    }
    return checks.map(
      (c) =>
        `<tr>${name}<td>${verdictBadge(c)}</td><td>${esc(c.name)}</td><td class="num">${esc(targetValue(c))}</td><td>${esc(c.target)}</td><td class="note">${esc(c.note)}</td></tr>`,
    );
  });
  const head = ['Experiment', 'Result', 'Check', 'Value', 'Target', 'Note'].map((h) => `<th scope="col">${h}</th>`).join('');
  return `<h3>Targets</h3><div class="scroll"><table class="targets-overview"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

async function experimentHtml(entry: RunEntry): Promise<string> {
  const reason = entry.reason ? `: ${esc(entry.reason)}` : '';
  const status =
    entry.status === 'ok'
      ? `${statusBadge(entry)} measured${entry.file ? `; result file <code>${esc(entry.file)}</code>` : ''}`
      : `${statusBadge(entry)} ${entry.status === 'failed' ? 'failed' : 'skipped'}${reason}`;
  const charts = await Promise.all(
    (entry.report?.charts ?? []).map(async (chart) => {
      const { svg, marks } = await chartSvg(chart);
      return `<figure data-chart="${esc(`${entry.name}/${chart.id}`)}" data-marks="${marks}">${svg}</figure>`;
    }),
  );
  const body = [
    charts.length > 0 ? `<div class="charts">${charts.join('')}</div>` : '',
    ...(entry.report?.sections ?? []).map(sectionHtml),
  ].join('\n');
  return `<section class="experiment" id="${esc(anchor(entry.name))}" data-status="${entry.status}">
<h2>${esc(entry.title)} <span class="note">(${esc(entry.name)})</span></h2>
<p class="status">${status}</p>
${body}
</section>`;
}

/** The run as one HTML page that needs nothing outside itself. */
export async function renderHtml(run: RunReport): Promise<string> {
  const experiments = await Promise.all(run.experiments.map(experimentHtml));
  const nav = run.experiments.map((e) => `<li><a href="#${esc(anchor(e.name))}">${statusBadge(e)} ${esc(e.name)}</a></li>`);
  const meta = `Started ${run.started} · total ${run.total_time_s.toFixed(1)} s · ${run.quick ? 'quick run (--quick)' : 'full run'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PBTS benchmark run ${esc(run.started)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>PBTS benchmark run</h1><p class="meta">${esc(meta)}</p></header>
<nav><ul>${nav.join('')}</ul></nav>
${machineHtml(run)}
<section id="summary"><h2>Summary</h2>${runTextHtml(run.summaryText)}${targetsOverviewHtml(run)}</section>
${experiments.join('\n')}
<section id="comparison"><h2>Comparison</h2>${runTextHtml(run.comparisonText)}</section>
</body>
</html>
`;
}
