/**
 * The client-download experiment's printed sections as data, in printed order: the seed's
 * model (report-model.ts), the failed runs and the real transfers (report-transfers.ts), their
 * process CPU (report-cpu.ts), the targets, and notes on where the model and the measurement
 * differ (report-notes.ts).
 * @module
 */
import { type Section, text } from '../../report/model.ts';
import type { TargetCheck } from '../../targets.ts';
import { cpuSection } from './report-cpu.ts';
import { insightsSection, measuredSection, summaryTable } from './report-model.ts';
import { notesSection } from './report-notes.ts';
import { failedSection, receiptsSection, transfersSection } from './report-transfers.ts';
import type { ClientDownloadResults } from './results.ts';

/** The sections of the client-download report, in printed order. */
export function clientDownloadSections(results: ClientDownloadResults, targets: TargetCheck[]): Section[] {
  const sections: (Section | undefined)[] = [
    measuredSection(results),
    results.scenarios.length > 0 ? summaryTable(results) : undefined,
    insightsSection(results),
    failedSection(results),
    transfersSection(results),
    receiptsSection(results),
    cpuSection(results),
    { title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: targets }, text('')] },
    notesSection(results),
  ];
  return sections.filter((section): section is Section => section !== undefined);
}
