/**
 * The chart of a run's quality against epochs: MNIST FID, Inception Score,
 * class entropy, confident share and the memorisation ratio, one panel each.
 */
import { writeLineChart, type ChartFiles } from '../report/chart.js';
import { EVALUATOR_CLASSES } from './evaluator.js';
import { qualitySummary, type QualityReport } from './quality.js';

/** Writes `<dir>/<name>.svg` and `.png` for the reports of `epochs`. */
export async function writeQualityChart(
  dir: string,
  name: string,
  epochs: readonly { epoch: number; report: QualityReport }[],
): Promise<ChartFiles> {
  const x = epochs.map((e) => e.epoch);
  const summaries = epochs.map((e) => qualitySummary(e.report));
  const series = (label: string, pick: (s: (typeof summaries)[number]) => number) => [
    { name: label, x, y: summaries.map(pick) },
  ];
  return writeLineChart(dir, name, {
    xTitle: 'epoch',
    panels: [
      { title: 'MNIST FID (lower is better)', series: series('samples', (s) => s.fid) },
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
      },
    ],
  });
}
