/**
 * The text renderer: a report as the printed sections of the seed's experiment README, in fixed
 * columns, the same bytes the summarizers printed before their sections became data.
 * @module
 */
import { targetLine } from '../targets.ts';
import { type Block, type Cell, type Column, type Report, type Section, type TableBlock, formatNumber } from './model.ts';

/** One cell as its column writes it. */
export function cellText(cell: Cell, column: Column): string {
  if (cell === null) return column.missing ?? '-';
  return typeof cell === 'number' ? formatNumber(cell, column.format) : cell;
}

/** A table in fixed-width columns (an empty row is a blank line). */
export function tableText(block: Pick<TableBlock, 'columns' | 'rows' | 'indent'>): string {
  const line = (cells: readonly string[]) =>
    block.columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        return column.align === 'right' ? cell.padStart(column.width) : cell.padEnd(column.width);
      })
      .join(' ')
      .trimEnd();
  const lines = [
    line(block.columns.map((column) => column.header)),
    ...block.rows.map((row) => (row.length === 0 ? '' : line(row.map((cell, i) => cellText(cell, block.columns[i]!))))),
  ];
  const indent = block.indent ?? '';
  return lines.map((l) => indent + l).join('\n');
}

function blockText(block: Block): string {
  switch (block.kind) {
    case 'table':
      return tableText(block);
    case 'text':
      return block.lines.join('\n');
    case 'targets':
      return block.checks.map(targetLine).join('\n');
    case 'figures':
      return block.items
        .map((item) => {
          const value = item.value === null ? '-' : formatNumber(item.value, item.format);
          const unit = item.unit ? ` ${item.unit}` : '';
          return `${block.indent ?? ''}${item.label}: ${value}${unit}${item.after ? ` ${item.after}` : ''}`;
        })
        .join('\n');
  }
}

/** A section: its heading as it asks, then its blocks, one after another. */
export function sectionText(section: Section): string {
  const heading = section.heading === 'none' ? [] : section.heading === 'rule' ? [section.title, '='.repeat(60)] : [section.title];
  return [...heading, ...section.blocks.map(blockText)].join('\n');
}

/** The whole report as printed after Vitest's own table. */
export function reportText(report: Report): string {
  return report.sections.map(sectionText).join(report.separator ?? '\n');
}
