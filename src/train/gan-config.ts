/**
 * Configuration of a GAN training run: its defaults (the case study's
 * recipe) in one place, the epochs that get a sample grid, and the check
 * that a resumed run still trains the same experiment.
 */

/** Everything that decides what a GAN training run computes and writes. */
export interface GanTrainConfig {
  /** Epochs to train in total (a resumed run counts the ones already done). */
  epochs: number;
  /** Real images per step; the discriminator sees twice as many. */
  batchSize: number;
  /** Adam learning rate of both networks. */
  learningRate: number;
  /** Adam beta1 of both networks. */
  beta1: number;
  /** Target for real images in the discriminator loss (label smoothing). */
  realLabel: number;
  /** Seed of every random draw: weights, batches, noise, dropout. */
  seed: number;
  /** A grid at epoch 1 and at every `sampleEvery`-th epoch. */
  sampleEvery: number;
  /** Further epochs that get a grid; also the epochs the review shows. */
  sampleEpochs: number[];
  /** Complete checkpoints kept besides those of sampled epochs. */
  keepCheckpoints: number;
  /** Train on the first N training images only; undefined: all of them. */
  trainLimit?: number;
  /** Folder of the IDX files; undefined: the bundled MNIST. */
  dataDir?: string;
  /** Backend requested on the command line (auto, native, wasm, cpu...). */
  backend: string;
}

/** The case study's recipe: the defaults of `mnist-gan train`. */
export const GAN_TRAIN_DEFAULTS = {
  epochs: 400,
  batchSize: 128,
  learningRate: 0.0002,
  beta1: 0.5,
  realLabel: 0.9,
  seed: 1,
  sampleEvery: 20,
  sampleEpochs: [] as number[],
  keepCheckpoints: 3,
  backend: 'auto',
} as const satisfies Omit<GanTrainConfig, 'trainLimit' | 'dataDir'>;

/** Size of the sample grid's side: 10 x 10 digits, as in the case study. */
export const SAMPLE_GRID_SIDE = 10;

/** Most grids the review figure shows when no `sampleEpochs` are given. */
export const REVIEW_MAX_GRIDS = 6;

/**
 * Steps in one epoch: as many whole batches as the training set holds (468
 * for MNIST's 60,000 images at batch 128, the tutorial's count), at least
 * one so that tiny subsets still train.
 */
export function stepsPerEpoch(trainCount: number, batchSize: number): number {
  return Math.max(1, Math.floor(trainCount / batchSize));
}

/** True when `epoch` (1-based) gets a sample grid under `config`. */
export function isSampleEpoch(
  epoch: number,
  config: Pick<GanTrainConfig, 'sampleEvery' | 'sampleEpochs'>,
): boolean {
  return (
    epoch === 1 || epoch % config.sampleEvery === 0 || config.sampleEpochs.includes(epoch)
  );
}

/**
 * Epochs the results review shows, among those sampled up to `lastEpoch`:
 * the explicit `sampleEpochs` (with epoch 1) when given, else at most
 * {@link REVIEW_MAX_GRIDS} spread evenly from the first grid to the latest.
 */
export function reviewEpochs(
  lastEpoch: number,
  config: Pick<GanTrainConfig, 'sampleEvery' | 'sampleEpochs'>,
): number[] {
  if (config.sampleEpochs.length > 0) {
    return [...new Set([1, ...config.sampleEpochs])]
      .filter((epoch) => epoch <= lastEpoch)
      .sort((a, b) => a - b);
  }
  const sampled: number[] = [];
  for (let epoch = 1; epoch <= lastEpoch; epoch++) {
    if (isSampleEpoch(epoch, config)) sampled.push(epoch);
  }
  if (sampled.length <= REVIEW_MAX_GRIDS) return sampled;
  const picked = new Set<number>();
  for (let i = 0; i < REVIEW_MAX_GRIDS; i++) {
    const index = Math.round((i * (sampled.length - 1)) / (REVIEW_MAX_GRIDS - 1));
    picked.add(sampled[index]);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * Settings that change what the networks compute. A run may only resume
 * under the same values; the others (epochs, sampling, backend) may change.
 */
export const RESUME_CRITICAL_FIELDS = [
  'batchSize',
  'learningRate',
  'beta1',
  'realLabel',
  'seed',
  'trainLimit',
  'dataDir',
] as const satisfies readonly (keyof GanTrainConfig)[];

/**
 * Lists the settings that matter and differ between a saved run's
 * configuration and the one requested, as `name: saved X, requested Y`.
 * An empty list means the run can resume.
 */
export function configDifferences(
  saved: GanTrainConfig,
  requested: GanTrainConfig,
): string[] {
  const differences: string[] = [];
  for (const field of RESUME_CRITICAL_FIELDS) {
    const before = saved[field];
    const after = requested[field];
    if (before !== after) {
      differences.push(`${field}: saved ${show(before)}, requested ${show(after)}`);
    }
  }
  return differences;
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** Every field of {@link GanTrainConfig}, to copy one out of a saved run. */
const CONFIG_FIELDS = [
  'epochs',
  'batchSize',
  'learningRate',
  'beta1',
  'realLabel',
  'seed',
  'sampleEvery',
  'sampleEpochs',
  'keepCheckpoints',
  'trainLimit',
  'dataDir',
  'backend',
] as const satisfies readonly (keyof GanTrainConfig)[];

/**
 * The configuration of a run: `overrides` (settings given on the command
 * line) over `base`, which is the saved run's configuration when resuming
 * and the recipe's defaults otherwise.
 */
export function resolveGanConfig(
  overrides: Partial<GanTrainConfig>,
  base?: Partial<GanTrainConfig>,
): GanTrainConfig {
  const config: GanTrainConfig = { ...GAN_TRAIN_DEFAULTS, sampleEpochs: [] };
  for (const source of [base ?? {}, overrides]) {
    for (const field of CONFIG_FIELDS) {
      const value = source[field];
      if (value !== undefined)
        (config as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return config;
}
