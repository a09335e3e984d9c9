/**
 * The GAN training loop's `--eval-every K`: an `onEpochEnd` hook that scores
 * freshly generated digits every K epochs (and at the last one) and adds the
 * headline numbers to the epoch's metrics line, optionally charting them.
 */
import { readGanMetrics, type EpochEndInfo } from '../train/gan-loop.js';
import {
  evaluateImages,
  qualitySummary,
  type QualityContext,
  type QualityOptions,
  type QualitySummary,
} from './quality.js';
import { QUALITY_SUMMARY_FIELDS, writeQualitySummaryChart } from './quality-chart.js';

/** Options of {@link epochQualityHook}. */
export interface EpochQualityOptions extends QualityOptions {
  /** Score every `every`-th epoch (1 = every epoch). */
  every: number;
  /** Also score this epoch, e.g. the run's last. Default: none. */
  lastEpoch?: number;
  /** Digits generated per evaluation. Default 10000. */
  samples?: number;
  /** Seed of their noise; the same every time, so epochs compare. Default 0. */
  seed?: number;
  /**
   * Also write `<runDir>/<chart>.svg` and `.png`: the scores of every scored
   * epoch in the run's metrics.jsonl and of this one. Default: no chart.
   */
  chart?: string;
}

/** What the hook adds to a scored epoch's line: the summary, digits scored and cost. */
export type EpochQuality = QualitySummary & {
  qualitySamples: number;
  /** Wall time of generating and scoring them, chart excluded. */
  qualitySeconds: number;
};

/**
 * Returns an `onEpochEnd` hook that, on epochs divisible by `every` and on
 * `lastEpoch`, generates digits and returns their {@link QualitySummary}
 * (plus `qualitySamples`); on other epochs it returns nothing. `context`
 * comes from `prepareQuality`, once per run.
 */
export function epochQualityHook(
  context: QualityContext,
  options: EpochQualityOptions,
): (
  info: Pick<EpochEndInfo, 'epoch' | 'generate' | 'runDir'>,
) => Promise<EpochQuality | undefined> {
  if (!Number.isInteger(options.every) || options.every < 1) {
    throw new Error(`epochQualityHook: expected every >= 1, got ${options.every}`);
  }
  const samples = options.samples ?? 10000;
  const seed = options.seed ?? 0;
  return async (info) => {
    const chosen = info.epoch % options.every === 0 || info.epoch === options.lastEpoch;
    if (!chosen) return undefined;
    const start = performance.now();
    const images = await info.generate(samples, seed);
    const scores: EpochQuality = {
      ...qualitySummary(evaluateImages(images, context, options)),
      qualitySamples: samples,
      qualitySeconds: (performance.now() - start) / 1000,
    };
    if (options.chart !== undefined) {
      await chartScoredEpochs(info.runDir, options.chart, info.epoch, scores);
    }
    return scores;
  };
}

/**
 * Charts the scored epochs before `epoch` as metrics.jsonl holds them (on a
 * resumed run, exactly the checkpoint's history) and `epoch` itself.
 */
async function chartScoredEpochs(
  runDir: string,
  name: string,
  epoch: number,
  scores: QualitySummary,
): Promise<void> {
  const earlier = readGanMetrics(runDir)
    .filter((record) => record.epoch < epoch)
    .filter((record) =>
      QUALITY_SUMMARY_FIELDS.every((field) => typeof record[field] === 'number'),
    )
    .map((record) => ({
      epoch: record.epoch,
      summary: record as unknown as QualitySummary,
    }));
  await writeQualitySummaryChart(runDir, name, [...earlier, { epoch, summary: scores }]);
}
