/**
 * The verdict table that `pbts bench compare` and `pbts bench ab` print, and write as Markdown
 * (`--markdown FILE`, which a pull request's comment and job summary show): columns, rows of
 * text, the notes that say how to read them, and one PASS/FAIL line.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A column: its header, and whether its cells are numbers (right-aligned). */
export interface TableColumn {
  header: string;
  numeric: boolean;
}

/** A comparison's table, before it is laid out as text or Markdown. */
export interface VerdictTable {
  columns: TableColumn[];
  rows: string[][];
  /** How to read the columns; one paragraph each. */
  notes: string[];
  /** `PASS: ...` or `FAIL: ...`. */
  verdict: string;
}

/** Fixed-width columns, then a blank line, the notes and the verdict as the last line. */
export function tableText(table: VerdictTable): string {
  const cells = [table.columns.map((column) => column.header), ...table.rows];
  const widths = table.columns.map((_, col) => Math.max(...cells.map((row) => (row[col] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, col) => (table.columns[col]?.numeric ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(cells[0]!), rule, ...table.rows.map(line), '', ...table.notes, table.verdict].join('\n');
}

// A cell must not end its table cell early nor open an HTML tag in the rendered comment.
function markdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('<', '&lt;');
}

/** A GitHub-flavoured Markdown table: the verdict first (what a reviewer reads), notes after. */
export function tableMarkdown(table: VerdictTable): string {
  const row = (cells: string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  const align = `|${table.columns.map((column) => (column.numeric ? ' ---: ' : ' --- ')).join('|')}|`;
  return [
    `**${markdownCell(table.verdict)}**`,
    '',
    row(table.columns.map((column) => column.header)),
    align,
    ...table.rows.map(row),
    '',
    ...table.notes.flatMap((note) => [markdownCell(note), '']),
  ].join('\n');
}

/** Writes Markdown to `file`, creating its folder. */
export async function writeMarkdownFile(file: string, markdown: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}
