/**
 * The chart of a run's quality against epochs: MNIST FID, Inception Score,
 * class entropy, confident share and the memorisation ratio, one panel each.
 */
import { writeLineChart, type ChartFiles } from '../report/chart.js';
import { EVALUATOR_CLASSES } from './evaluator.js';
import { qualitySummary, type QualityReport, type QualitySummary } from './quality.js';

/** The summary fields the chart draws; a record lacking one is not charted. */
export const QUALITY_SUMMARY_FIELDS = [
  'fid',
  'inceptionScore',
  'classEntropyBits',
  'confidentShare',
  'nearestTrainRatio',
] as const satisfies readonly (keyof QualitySummary)[];

/** Writes `<dir>/<name>.svg` and `.png` for the reports of `epochs`. */
export async function writeQualityChart(
  dir: string,
  name: string,
  epochs: readonly { epoch: number; report: QualityReport }[],
): Promise<ChartFiles> {
  return writeQualitySummaryChart(
    dir,
    name,
    epochs.map((e) => ({ epoch: e.epoch, summary: qualitySummary(e.report) })),
  );
}

/**
 * The same chart from summaries, e.g. the quality fields of a training
 * run's metrics lines.
 */
export async function writeQualitySummaryChart(
  dir: string,
  name: string,
  epochs: readonly { epoch: number; summary: QualitySummary }[],
): Promise<ChartFiles> {
  const x = epochs.map((e) => e.epoch);
  const series = (label: string, pick: (s: QualitySummary) => number) => [
    { name: label, x, y: epochs.map((e) => pick(e.summary)) },
  ];
  return writeLineChart(dir, name, {
    xTitle: 'epoch',
    // Five panels in one row made a chart some 4,000 pixels wide.
    columns: 3,
    panels: [
      {
        title: 'MNIST FID (lower is better)',
        series: series('samples', (s) => s.fid),
        yFormat: '.4~g',
      },
      {
        title: 'Inception Score',
        series: series('samples', (s) => s.inceptionScore),
        yDomain: [1, EVALUATOR_CLASSES],
      },
      {
        title: 'class entropy (bits)',
        series: series('samples', (s) => s.classEntropyBits),
        yDomain: [0, Math.log2(EVALUATOR_CLASSES)],
      },
      {
        title: 'confident share',
        series: series('samples', (s) => s.confidentShare),
        yDomain: [0, 1],
      },
      {
        title: 'nearest-train ratio',
        series: series('samples', (s) => s.nearestTrainRatio),
        yFormat: '.3~g',
      },
    ],
  });
}
