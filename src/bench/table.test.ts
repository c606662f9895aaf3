import { describe, expect, test } from 'vitest';
import { type VerdictTable, tableMarkdown, tableText } from './table.ts';

const table: VerdictTable = {
  columns: [
    { header: 'Benchmark', numeric: false },
    { header: 'Change', numeric: true },
    { header: 'Status', numeric: false },
  ],
  rows: [
    ['receipts [blst] > receipt verification', '+50.2%', 'regressed'],
    ['a|b <c>', '-1.0%', 'ok'],
  ],
  notes: ['Change: head over base.'],
  verdict: 'FAIL: 1 benchmark(s) regressed beyond +10%',
};

describe('tableText', () => {
  test('default', () => {
    expect(tableText(table)).toBe(
      [
        'Benchmark                               Change  Status',
        '--------------------------------------  ------  ---------',
        'receipts [blst] > receipt verification  +50.2%  regressed',
        'a|b <c>                                  -1.0%  ok',
        '',
        'Change: head over base.',
        'FAIL: 1 benchmark(s) regressed beyond +10%',
      ].join('\n'),
    );
  });
});

describe('tableMarkdown', () => {
  test('default', () => {
    expect(tableMarkdown(table)).toBe(
      [
        '**FAIL: 1 benchmark(s) regressed beyond +10%**',
        '',
        '| Benchmark | Change | Status |',
        '| --- | ---: | --- |',
        '| receipts [blst] > receipt verification | +50.2% | regressed |',
        '| a\\|b &lt;c> | -1.0% | ok |',
        '',
        'Change: head over base.',
        '',
      ].join('\n'),
    );
  });
});
