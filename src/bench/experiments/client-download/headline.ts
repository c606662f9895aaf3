/**
 * The client-download experiment's headline figures (SUMMARY.txt, COMPARISON.txt) and its
 * charts: the measured loss per transfer cell, CPU per GB with receipts on and off, and the
 * model's overhead by speed, one line per piece size.
 * @module
 */
import type { Chart, Headline, NumberFormat } from '../../report/model.ts';
import { KB } from './options.ts';
import type { ClientDownloadResults } from './results.ts';
import { findCell, receiptCpuPerGb } from './transfers.ts';

const PERCENT: NumberFormat = { digits: 2 };

/** Receipt cost, the model's and the measured loss at 1 MiB pieces, and the receipts' CPU per GB. */
export function clientDownloadHeadline({ sign, verify, modelAt1MiB100, cells }: ClientDownloadResults): Headline[] {
  const loss = (speed: number) => findCell(cells, speed, KB)?.loss_percent?.median ?? null;
  return [
    {
      key: 'receipt_cost_ms',
      label: 'Receipt Cost per Piece',
      value: sign && verify ? sign.mean_ms + verify.mean_ms : null,
      unit: 'ms',
      format: { digits: 3 },
      after: '(sign + verify, mean)',
    },
    {
      key: 'model_loss_1mib_100mbs_percent',
      label: 'Model Loss, 100 MB/s, 1 MiB',
      value: modelAt1MiB100?.throughput.reduction_percent ?? null,
      unit: '%',
      format: PERCENT,
      after: '(sequential, as the seed)',
    },
    {
      key: 'transfer_loss_1mib_100mbs_percent',
      label: 'Measured Loss, 100 MB/s, 1 MiB',
      value: loss(100),
      unit: '%',
      format: PERCENT,
      after: '(median, real transfers)',
    },
    {
      key: 'transfer_loss_1mib_10mbs_percent',
      label: 'Measured Loss, 10 MB/s, 1 MiB',
      value: loss(10),
      unit: '%',
      format: PERCENT,
      after: '(median, real transfers)',
    },
    {
      key: 'receipt_cpu_s_per_gb',
      label: 'Receipt CPU per GB',
      value: receiptCpuPerGb(cells),
      unit: 's',
      format: { digits: 2 },
      after: '(all processes, on minus off, 1 MiB pieces)',
    },
  ];
}

/** The charts of the report: each only when it has something to show. */
export function clientDownloadCharts({ cells, scenarios, config }: ClientDownloadResults): Chart[] {
  const charts: Chart[] = [];
  const measured = cells.filter((cell) => cell.loss_percent);
  if (measured.length > 0) {
    charts.push(
      {
        id: 'transfer-loss',
        title: 'Throughput loss with receipts, real loopback transfers',
        mark: 'bar',
        x: { title: 'Link speed, piece size', values: measured.map((cell) => cell.label) },
        y: { title: 'Throughput loss', unit: '%' },
        series: [{ name: 'loss % (median)', values: measured.map((cell) => cell.loss_percent!.median) }],
      },
      {
        id: 'transfer-cpu',
        title: 'CPU per GB transferred, seeder + downloader + tracker',
        mark: 'bar',
        x: { title: 'Link speed, piece size', values: measured.map((cell) => cell.label) },
        y: { title: 'CPU per GB', unit: 's' },
        series: [
          { name: 'receipts off', values: measured.map((cell) => cell.cpu_per_gb.off.total) },
          { name: 'receipts on', values: measured.map((cell) => cell.cpu_per_gb.on.total) },
        ],
      },
    );
  }
  if (scenarios.length > 0) {
    const speeds = [...new Set(scenarios.map((s) => s.scenario.download_speed_mbps))];
    const pieces = config?.piece_sizes_kb ?? [...new Set(scenarios.map((s) => s.scenario.piece_size_kb))];
    charts.push({
      id: 'model-overhead',
      title: 'Model: receipt work as a share of download time (sequential)',
      mark: 'line',
      // From hundredths of a percent at 1 MB/s to tens of percent at 100 MB/s.
      scale: 'log',
      x: { title: 'Download speed (MB/s)', values: speeds },
      y: { title: 'Per-piece overhead', unit: '%' },
      series: pieces.map((kb) => ({
        name: `${kb} KB pieces`,
        values: speeds.map(
          (speed) =>
            scenarios.find((s) => s.scenario.download_speed_mbps === speed && s.scenario.piece_size_kb === kb)?.overhead.total_overhead_percent ??
            null,
        ),
      })),
    });
  }
  return charts;
}
