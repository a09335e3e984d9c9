/**
 * The GAN training loop's `--eval-every K`: an `onEpochEnd` hook that scores
 * freshly generated digits every K epochs and adds the headline numbers to
 * the epoch's metrics line.
 */
import type { EpochEndInfo } from '../train/gan-loop.js';
import {
  evaluateImages,
  qualitySummary,
  type QualityContext,
  type QualityOptions,
  type QualitySummary,
} from './quality.js';

/** Options of {@link epochQualityHook}. */
export interface EpochQualityOptions extends QualityOptions {
  /** Score every `every`-th epoch (1 = every epoch). */
  every: number;
  /** Digits generated per evaluation. Default 10000. */
  samples?: number;
  /** Seed of their noise; the same every time, so epochs compare. Default 0. */
  seed?: number;
}

/**
 * Returns an `onEpochEnd` hook that, on epochs divisible by `every`,
 * generates digits and returns their {@link QualitySummary}; on other
 * epochs it returns nothing. `context` comes from `prepareQuality`, once per
 * run.
 */
export function epochQualityHook(
  context: QualityContext,
  options: EpochQualityOptions,
): (
  info: Pick<EpochEndInfo, 'epoch' | 'generate'>,
) => Promise<QualitySummary | undefined> {
  if (!Number.isInteger(options.every) || options.every < 1) {
    throw new Error(`epochQualityHook: expected every >= 1, got ${options.every}`);
  }
  const samples = options.samples ?? 10000;
  const seed = options.seed ?? 0;
  return async (info) => {
    if (info.epoch % options.every !== 0) return undefined;
    const images = await info.generate(samples, seed);
    return qualitySummary(evaluateImages(images, context, options));
  };
}
