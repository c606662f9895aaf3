/**
 * Who used the cores during each load run: the generator, the tracker under load and every
 * other process, and CPU per request; the generator shares the machine with the tracker, so
 * these say how far the figures are the tracker's own.
 * @module
 */
import { type Column, type Section, formatNumber, text } from '../../report/model.ts';
import type { LoadRun } from './records.ts';

/** Share of one core a process took over the run, in percent. */
function share(run: LoadRun, seconds: number | null | undefined): number | null {
  return run.cpu && seconds !== null && seconds !== undefined ? (seconds / run.cpu.wall_s) * 100 : null;
}

/** CPU other processes took during a run (machine minus generator and tracker), percent of one core; null if unknown. */
export function otherCpuPercent(run: LoadRun): number | null {
  const cpu = run.cpu;
  if (!cpu || cpu.machine_s === null || cpu.tracker_s === null) return null;
  return Math.max(0, ((cpu.machine_s - cpu.generator_s - cpu.tracker_s) / cpu.wall_s) * 100);
}

/** Microseconds of CPU per request (announce or report) of the tracker and of the generator. */
export function cpuPerRequestUs(run: LoadRun): { tracker: number | null; generator: number } | null {
  const requests = run.kind === 'mixed' ? undefined : (run.announce ?? run.reports)?.requests;
  if (!run.cpu || !requests) return null;
  return {
    tracker: run.cpu.tracker_s === null ? null : (run.cpu.tracker_s / requests) * 1e6,
    generator: (run.cpu.generator_s / requests) * 1e6,
  };
}

function runLabel(run: LoadRun): string {
  const name = run.kind === 'mixed' ? `mixed (+${run.report_clients} report clients)` : run.kind;
  return run.tracker === 'pbts' ? name : `${name}, ${run.tracker}`;
}

const percentColumn = (header: string, width: number): Column => ({
  header,
  unit: '%',
  width,
  align: 'right',
  format: { digits: 0, suffix: '%' },
  missing: '-',
});
const microsColumn = (header: string, width: number): Column => ({
  header,
  unit: 'us',
  width,
  align: 'right',
  format: { digits: 0 },
  missing: '-',
});

/** The PROCESS CPU section, or undefined when no run measured its CPU. */
export function cpuSection(runs: readonly LoadRun[], cores: number | undefined): Section | undefined {
  const measured = runs.filter((run) => run.error === undefined && run.cpu);
  if (measured.length === 0) return undefined;
  const blocks: Section['blocks'] = [
    text(''),
    {
      kind: 'table',
      id: 'process-cpu',
      columns: [
        { header: 'Run', width: 38 },
        { header: 'Clients', width: 8, align: 'right', format: { digits: 0 } },
        percentColumn('Generator', 10),
        percentColumn('Tracker', 9),
        percentColumn('Others', 8),
        microsColumn('Tracker us/req', 15),
        microsColumn('Generator us/req', 17),
      ],
      rows: measured.map((run) => {
        const perRequest = cpuPerRequestUs(run);
        return [
          runLabel(run),
          run.clients,
          share(run, run.cpu?.generator_s),
          share(run, run.cpu?.tracker_s),
          otherCpuPercent(run),
          perRequest?.tracker ?? null,
          perRequest?.generator ?? null,
        ];
      }),
    },
  ];
  const busiest = Math.max(0, ...measured.map((run) => otherCpuPercent(run) ?? 0));
  if (busiest >= 25) {
    blocks.push(
      text(
        `WARNING: other processes on this machine used up to ${busiest.toFixed(0)}% of a core during the runs;`,
        'the figures are lower (and noisier) than on an otherwise idle machine.',
      ),
    );
  }
  const top = measured.filter((run) => run.kind === 'announce' && run.tracker === 'pbts').at(-1);
  const perRequest = top && cpuPerRequestUs(top);
  if (top && cores && perRequest?.tracker) {
    const both = (cores * 1e6) / (perRequest.tracker + perRequest.generator);
    const rate = (value: number) => formatNumber(value, { digits: 0, grouped: true });
    blocks.push(
      text(
        `At ${top.clients} clients an announce cost the tracker ${perRequest.tracker.toFixed(0)} us of CPU and the generator ` +
          `${perRequest.generator.toFixed(0)} us: with both on these ${cores} cores, about ${rate(both)} announces/s at most; ` +
          `the tracker process alone would need a core for about ${rate(1e6 / perRequest.tracker)} announces/s ` +
          '(estimates from measured CPU time, not measured throughput).',
      ),
    );
  }
  blocks.push(text(''));
  return {
    title: `PROCESS CPU DURING EACH RUN (percent of one core${cores ? `, the machine has ${cores * 100}%` : ''}; CPU per request in microseconds)`,
    heading: 'line',
    blocks,
  };
}
