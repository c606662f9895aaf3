/** Column of a fixed-width text table: a header, a width, and left or right alignment. */
export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

/** Renders rows under headers as a fixed-width table (cells wider than the column are kept whole). */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        return column.align === 'right' ? cell.padStart(column.width) : cell.padEnd(column.width);
      })
      .join(' ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** A number in milliseconds with `digits` decimals. */
export const ms = (value: number, digits = 4): string => value.toFixed(digits);

/** `text` with every line indented by `by` (three spaces: the seed's section indentation). */
export function indent(text: string, by = '   '): string {
  return text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
}
