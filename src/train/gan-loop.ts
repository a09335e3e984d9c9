/**
 * The case study's GAN training run, end to end: epochs of
 * {@link GanTrainer} steps on MNIST, a sample grid at chosen epochs, a
 * metrics line and a checkpoint after every epoch, a loss chart and the
 * results review kept up to date, resumption from the last checkpoint.
 *
 * A run folder holds:
 *   config.json            the resolved configuration
 *   metrics.jsonl          one {@link EpochRecord} per epoch
 *   samples/epoch-NNNN.png 10x10 grid from the fixed noise (fixed-noise.idx)
 *   losses.svg, .png       losses and D outputs against epochs
 *   review.png             chosen epochs' grids beside real digits (real.png)
 *   checkpoints/           see checkpoint.ts; the newest few and sampled epochs
 *   generator/             the newest generator in TF.js format
 *
 * Library code: it prints nothing. The caller learns what happens through
 * {@link GanTrainHooks} and the returned {@link GanTrainResult}; failures a
 * user can act on (bad checkpoint, diverged loss) are {@link UserError}s.
 *
 * Random stream: one {@link Random} seeded with `config.seed` draws, in this
 * order, the generator's weights, the discriminator's weights, then per
 * step the real batch's indices and the step's noise and dropout masks. Its
 * state is saved in every checkpoint, which is what makes a resumed run end
 * bit-identical to an uninterrupted one. The fixed sample noise and the real
 * digits of the review come from a second generator, so drawing them never
 * shifts the training stream.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';

import { toFloatPixels } from '../data/batches.js';
import { IMAGE_PIXELS, loadDataset, type DigitSet } from '../data/mnist.js';
import { readIdxFile, writeIdxFile } from '../data/idx.js';
import { buildDiscriminator, buildGenerator, NOISE_DIM } from '../models/gan.js';
import { saveModel } from '../models/io.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs-atomic.js';
import { Random } from '../util/random.js';
import { readMetrics, writeConfig } from '../util/run-dir.js';
import {
  CHECKPOINTS_DIR,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  removeUnfinishedCheckpoints,
  writeCheckpoint,
} from './checkpoint.js';
import {
  configDifferences,
  isSampleEpoch,
  reviewEpochs,
  SAMPLE_GRID_SIDE,
  stepsPerEpoch,
  type GanTrainConfig,
} from './gan-config.js';
import { writeLossChart, writeResultsReview, writeSampleGrid } from './gan-figures.js';
import { GanTrainer } from './gan-step.js';
import { sampleRealBatch, toUnitRange } from './real-batches.js';

/** One epoch's line of `metrics.jsonl`. */
export interface EpochRecord {
  epoch: number;
  /** Mean discriminator loss over the epoch's steps. */
  dLoss: number;
  /** Mean generator loss over the epoch's steps. */
  gLoss: number;
  /** Mean D(x) on real images. */
  dReal: number;
  /** Mean D(G(z)) on generated images (discriminator step). */
  dFake: number;
  /** Real images trained on per second of step time. */
  imagesPerSecond: number;
  /** Wall time of the epoch's steps in seconds; hooks, figures and checkpoint excluded. */
  seconds: number;
  /** The same summed over the run so far, across resumptions. */
  elapsedSeconds: number;
  /** Fields added by {@link GanTrainHooks.onEpochEnd}, e.g. evaluation scores. */
  [extra: string]: number | string | boolean;
}

/** What {@link GanTrainHooks.onEpochEnd} receives. */
export interface EpochEndInfo {
  epoch: number;
  /** The epoch's record so far (copy; return fields to add them). */
  record: Readonly<EpochRecord>;
  runDir: string;
  /**
   * Generates `count` digits from noise drawn with `new Random(seed)`,
   * leaving the training stream untouched. Returns [count * 784] ink
   * intensities in [0, 1].
   */
  generate(count: number, seed: number): Promise<Float32Array>;
}

/** Callbacks through which the run reports; all are optional. */
export interface GanTrainHooks {
  /** Once, before the first step, with the resolved run description. */
  onStart?(info: GanRunInfo): void;
  /** After every step (for progress bars). */
  onStep?(info: { epoch: number; step: number; stepsPerEpoch: number }): void;
  /**
   * After an epoch's steps, before its record is written. Returned fields
   * are added to the epoch's metrics line: the place for evaluation.
   */
  onEpochEnd?(
    info: EpochEndInfo,
  ): Promise<Record<string, number | string | boolean> | void> | void;
  /** After an epoch's record and checkpoint are written. */
  onEpoch?(record: EpochRecord, files: { checkpoint: string; grid?: string }): void;
}

/** The resolved description of a run, as `config.json` holds it. */
export interface GanRunInfo extends GanTrainConfig {
  runDir: string;
  /** Backend TF.js actually runs on. */
  backendInUse: string;
  trainImages: number;
  stepsPerEpoch: number;
  /** Checkpoint the run resumed from, if any. */
  resumedFrom?: string;
  /** Differences a resumed run accepts but the user should know of. */
  notes: string[];
  /** First epoch this invocation trains. */
  startEpoch: number;
}

/** How a run ended. */
export interface GanTrainResult {
  status: 'finished' | 'interrupted';
  /** Epochs complete. */
  epoch: number;
  /** Steps done of the next epoch (non-zero only when interrupted). */
  step: number;
  /** Newest checkpoint folder, if one exists. */
  checkpoint?: string;
  history: EpochRecord[];
}

/** Options of {@link trainGan}. */
export interface GanTrainOptions {
  config: GanTrainConfig;
  runDir: string;
  /** Continue from the newest checkpoint in `runDir`. Default false. */
  resume?: boolean;
  /** When aborted, the run saves a checkpoint after the current step and returns. */
  signal?: AbortSignal;
  hooks?: GanTrainHooks;
}

/** Sums over the steps of the epoch in progress, saved in mid-epoch checkpoints. */
interface EpochAccumulator {
  steps: number;
  dLoss: number;
  gLoss: number;
  dReal: number;
  dFake: number;
  stepSeconds: number;
  seconds: number;
}

/** The training loop's record inside each checkpoint. */
interface GanProgress {
  config: GanTrainConfig;
  history: EpochRecord[];
  partial: EpochAccumulator | null;
  elapsedSeconds: number;
}

const FIXED_NOISE_FILE = 'fixed-noise.idx';
/** Folder of the newest generator in TF.js format (model.json + weights.bin). */
export const LATEST_GENERATOR_DIR = 'generator';
const REAL_DIGITS_FILE = 'real.png';
/** Offset mixed into the seed of the figures' own random generator. */
const FIGURE_SEED_OFFSET = 0x5f3759df;

function emptyAccumulator(): EpochAccumulator {
  return { steps: 0, dLoss: 0, gLoss: 0, dReal: 0, dFake: 0, stepSeconds: 0, seconds: 0 };
}

/** Name of the sample grid of `epoch` inside the run's `samples/` folder. */
export function sampleGridName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}.png`;
}

function hashImages(set: DigitSet): string {
  // FNV-1a over the pixels: cheap, and enough to notice a different data set.
  let hash = 0x811c9dc5;
  for (let i = 0; i < set.images.length; i++) {
    hash = Math.imul(hash ^ set.images[i], 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * Trains (or resumes) a GAN run in `options.runDir` on the backend already
 * active in TF.js. See the file comment for what is written where.
 */
export async function trainGan(options: GanTrainOptions): Promise<GanTrainResult> {
  const { config, runDir, hooks = {} } = options;
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  const samplesDir = path.join(runDir, 'samples');
  fs.mkdirSync(samplesDir, { recursive: true });
  removeUnfinishedCheckpoints(checkpointsDir);

  // Data: uint8 images stay in memory; batches are built per step.
  const dataset = loadDataset({
    dataDir: config.dataDir,
    trainLimit: config.trainLimit,
    testLimit: 1,
  });
  const train = dataset.train;
  const steps = stepsPerEpoch(train.count, config.batchSize);
  const dataHash = hashImages(train);
  const trainPixels = toFloatPixels(train.images, 'symmetric');

  // Start fresh or from the newest checkpoint.
  const opened =
    options.resume === true
      ? await resumeRun(runDir, config, dataHash)
      : startRun(runDir, config);
  const { trainer, random, resumedFrom } = opened;
  let { history, partial, elapsedSeconds } = opened;
  let doneEpochs = opened.epoch;
  let doneSteps = opened.step;
  let lastCheckpoint = resumedFrom;

  const info: GanRunInfo = {
    ...config,
    runDir,
    backendInUse: tf.getBackend(),
    trainImages: train.count,
    stepsPerEpoch: steps,
    startEpoch: doneEpochs + 1,
    ...(resumedFrom === undefined ? {} : { resumedFrom }),
    notes: [],
  };
  if (opened.savedBackend !== undefined && opened.savedBackend !== info.backendInUse) {
    // Allowed (a run may move to a faster backend), but results will no
    // longer match a run that stayed on one backend bit for bit.
    info.notes.push(
      `the run trained on ${opened.savedBackend} before and continues on ${info.backendInUse}; ` +
        'results will differ in the last bits from a run on one backend',
    );
  }
  writeConfig(runDir, { ...info, dataHash });
  hooks.onStart?.(info);

  const figures = prepareFigures(runDir, config, train);
  const result = (status: GanTrainResult['status']): GanTrainResult => ({
    status,
    epoch: doneEpochs,
    step: doneSteps,
    ...(lastCheckpoint === undefined ? {} : { checkpoint: lastCheckpoint }),
    history,
  });
  // Position of the newest checkpoint, to avoid saving the same state twice.
  const savedAt = { epoch: doneEpochs, step: doneSteps };
  const saveCheckpoint = (epoch: number, step: number) => {
    savedAt.epoch = epoch;
    savedAt.step = step;
    return writeCheckpoint<GanProgress>(checkpointsDir, {
      epoch,
      step,
      random: random.state(),
      generator: trainer.generator,
      discriminator: trainer.discriminator,
      dOptimizer: trainer.dOptimizer,
      gOptimizer: trainer.gOptimizer,
      progress: { config, history, partial, elapsedSeconds },
    });
  };

  try {
    while (doneEpochs < config.epochs) {
      const epoch = doneEpochs + 1;
      const sums = partial ?? emptyAccumulator();
      partial = sums;
      const epochStart = performance.now() - sums.seconds * 1000;

      for (let step = doneSteps; step < steps; step++) {
        if (options.signal?.aborted === true) {
          const trained = doneEpochs > 0 || doneSteps > 0;
          const saved = savedAt.epoch === doneEpochs && savedAt.step === doneSteps;
          if (trained && !saved) {
            sums.seconds = (performance.now() - epochStart) / 1000;
            lastCheckpoint = await saveCheckpoint(doneEpochs, doneSteps);
          }
          return result('interrupted');
        }
        const stepStart = performance.now();
        const values = runStep(
          trainer,
          trainPixels,
          train.count,
          config.batchSize,
          random,
        );
        const stepSeconds = (performance.now() - stepStart) / 1000;
        checkFinite(values, epoch, step + 1, lastCheckpoint);
        sums.steps += 1;
        sums.dLoss += values[0];
        sums.gLoss += values[1];
        sums.dReal += values[2];
        sums.dFake += values[3];
        sums.stepSeconds += stepSeconds;
        elapsedSeconds += stepSeconds;
        doneSteps = step + 1;
        hooks.onStep?.({ epoch, step: step + 1, stepsPerEpoch: steps });
        // Let a pending SIGINT handler run between steps.
        await yieldToEventLoop();
      }

      const seconds = (performance.now() - epochStart) / 1000;
      let record: EpochRecord = {
        epoch,
        dLoss: sums.dLoss / sums.steps,
        gLoss: sums.gLoss / sums.steps,
        dReal: sums.dReal / sums.steps,
        dFake: sums.dFake / sums.steps,
        imagesPerSecond: (sums.steps * config.batchSize) / sums.stepSeconds,
        seconds,
        elapsedSeconds: elapsedSeconds + (seconds - sums.stepSeconds),
      };
      if (hooks.onEpochEnd !== undefined) {
        const extra = await hooks.onEpochEnd({
          epoch,
          record: { ...record },
          runDir,
          generate: (count, seed) => generateDigits(trainer, count, new Random(seed)),
        });
        // Spread twice: the line starts with the loop's own fields, and a
        // hook's field of the same name cannot overwrite them.
        if (extra) record = { ...record, ...extra, ...record };
      }
      elapsedSeconds = record.elapsedSeconds;

      let grid: string | undefined;
      if (isSampleEpoch(epoch, config)) {
        grid = path.join(samplesDir, sampleGridName(epoch));
        writeSampleGrid(grid, await figures.fixedSamples(trainer), SAMPLE_GRID_SIDE);
      }

      // The checkpoint holds the record, so it is written first: a crash
      // between the two leaves a run whose metrics are rebuilt on resume.
      history = [...history, record];
      partial = null;
      doneEpochs = epoch;
      doneSteps = 0;
      lastCheckpoint = await saveCheckpoint(epoch, 0);
      // The newest generator at a fixed place, for a browser page to load.
      await saveModel(trainer.generator, path.join(runDir, LATEST_GENERATOR_DIR));
      fs.appendFileSync(
        path.join(runDir, 'metrics.jsonl'),
        JSON.stringify(record) + '\n',
      );
      hooks.onEpoch?.(
        record,
        grid === undefined
          ? { checkpoint: lastCheckpoint }
          : { checkpoint: lastCheckpoint, grid },
      );

      await writeLossChart(runDir, history);
      if (grid !== undefined) figures.refreshReview(epoch);
      pruneCheckpoints(checkpointsDir, config.keepCheckpoints, (manifest) =>
        isSampleEpoch(manifest.epoch, config),
      );
    }
    return result('finished');
  } finally {
    trainer.dispose();
    trainer.generator.dispose();
    trainer.discriminator.dispose();
  }
}

/** Where a run starts: its networks, random stream and progress so far. */
interface RunStart {
  trainer: GanTrainer;
  random: Random;
  history: EpochRecord[];
  partial: EpochAccumulator | null;
  elapsedSeconds: number;
  epoch: number;
  step: number;
  resumedFrom?: string;
  /** Backend the saved run last trained on, when resuming. */
  savedBackend?: string;
}

/** A new run: fresh networks from the seed; refuses a folder with checkpoints. */
function startRun(runDir: string, config: GanTrainConfig): RunStart {
  if (listCheckpoints(path.join(runDir, CHECKPOINTS_DIR)).length > 0) {
    throw new UserError(
      'RUN_EXISTS',
      `starting a run in "${runDir}": it already has checkpoints ` +
        `(add --resume to continue it, or choose another --out)`,
    );
  }
  // Leftovers of an attempt that never finished an epoch (perhaps with
  // another seed) must not mix into this run.
  for (const file of [
    'metrics.jsonl',
    `samples/${FIXED_NOISE_FILE}`,
    `samples/${REAL_DIGITS_FILE}`,
  ]) {
    fs.rmSync(path.join(runDir, file), { force: true });
  }
  const random = new Random(config.seed);
  const trainer = new GanTrainer(
    buildGenerator(random),
    buildDiscriminator(random),
    trainerOptions(config),
  );
  return {
    trainer,
    random,
    history: [],
    partial: null,
    elapsedSeconds: 0,
    epoch: 0,
    step: 0,
  };
}

/**
 * Reopens a run at its newest checkpoint after checking that the settings
 * that matter (and the training images) are unchanged.
 */
async function resumeRun(
  runDir: string,
  config: GanTrainConfig,
  dataHash: string,
): Promise<RunStart> {
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  const latest = listCheckpoints(checkpointsDir).at(-1);
  if (latest === undefined) {
    throw new UserError(
      'RESUME_NOTHING',
      `resuming "${runDir}": no complete checkpoint in "${checkpointsDir}" (start a new run instead)`,
    );
  }
  const saved = readSavedRunInfo(path.join(runDir, 'config.json'));
  const differences = configDifferences(saved, config);
  if (saved.dataHash !== undefined && saved.dataHash !== dataHash) {
    differences.push(`training images: saved hash ${saved.dataHash}, now ${dataHash}`);
  }
  if (differences.length > 0) {
    throw new UserError(
      'RESUME_CONFIG_MISMATCH',
      `resuming "${runDir}": settings differ from the saved run: ${differences.join('; ')}`,
    );
  }
  const loaded = await readCheckpoint<GanProgress>(latest.dir);
  const trainer = new GanTrainer(
    loaded.generator,
    loaded.discriminator,
    trainerOptions(config),
  );
  await loaded.restoreOptimizers(trainer.dOptimizer, trainer.gOptimizer);
  const { history, partial, elapsedSeconds } = loaded.state.progress;

  // Lines written after this checkpoint belong to epochs that will be
  // trained again; the checkpoint's own history is the truth.
  writeFileAtomic(
    path.join(runDir, 'metrics.jsonl'),
    history.map((record) => JSON.stringify(record) + '\n').join(''),
  );
  return {
    trainer,
    random: Random.fromState(loaded.state.random),
    history,
    partial,
    elapsedSeconds,
    epoch: loaded.state.epoch,
    step: loaded.state.step,
    resumedFrom: latest.dir,
    ...(saved.backendInUse === undefined ? {} : { savedBackend: saved.backendInUse }),
  };
}

function trainerOptions(config: GanTrainConfig) {
  return {
    learningRate: config.learningRate,
    beta1: config.beta1,
    realLabel: config.realLabel,
  };
}

/** One step; returns [dLoss, gLoss, dReal, dFake] read back from the backend. */
function runStep(
  trainer: GanTrainer,
  trainPixels: Float32Array,
  trainCount: number,
  batchSize: number,
  random: Random,
): Float32Array {
  const pixels = sampleRealBatch(trainPixels, trainCount, batchSize, random);
  const real = tf.tensor2d(pixels, [batchSize, IMAGE_PIXELS]);
  const { dLoss, gLoss, dReal, dFake } = trainer.step(real, random);
  // One read per step for all four scalars: the losses are needed on the
  // host anyway, to stop at the first NaN before it reaches a checkpoint.
  const stacked = tf.stack([dLoss, gLoss, dReal, dFake]);
  const values = stacked.dataSync() as Float32Array;
  tf.dispose([real, dLoss, gLoss, dReal, dFake, stacked]);
  return values;
}

function checkFinite(
  values: Float32Array,
  epoch: number,
  step: number,
  lastCheckpoint: string | undefined,
): void {
  const names = ['discriminator loss', 'generator loss', 'mean D(x)', 'mean D(G(z))'];
  const bad = names.findIndex((_, i) => !Number.isFinite(values[i]));
  if (bad < 0) return;
  const last =
    lastCheckpoint === undefined
      ? 'no checkpoint was saved yet'
      : `last good checkpoint: "${lastCheckpoint}"`;
  throw new UserError(
    'GAN_DIVERGED',
    `epoch ${epoch}, step ${step}: the ${names[bad]} is ${values[bad]}; ` +
      `training stopped without saving this state; ${last}`,
    3,
  );
}

async function generateDigits(
  trainer: GanTrainer,
  count: number,
  random: Random,
): Promise<Float32Array> {
  const z = tf.tensor2d(random.fillNormal(new Float32Array(count * NOISE_DIM)), [
    count,
    NOISE_DIM,
  ]);
  const images = trainer.generate(z);
  const values = (await images.data()) as Float32Array;
  tf.dispose([z, images]);
  return toUnitRange(values.slice());
}

interface SavedRunInfo extends GanTrainConfig {
  dataHash?: string;
  backendInUse?: string;
}

function readSavedRunInfo(file: string): SavedRunInfo {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SavedRunInfo;
  } catch (error) {
    throw new UserError(
      'RESUME_NO_CONFIG',
      `resuming: cannot read "${file}" (${(error as Error).message.split('\n')[0]})`,
    );
  }
}

/**
 * The fixed noise of the sample grids (saved as `samples/fixed-noise.idx`,
 * float32 [100, 100]) and the real digits of the review, both drawn from
 * the figures' own seeded generator.
 */
function prepareFigures(runDir: string, config: GanTrainConfig, train: DigitSet) {
  const samplesDir = path.join(runDir, 'samples');
  const count = SAMPLE_GRID_SIDE * SAMPLE_GRID_SIDE;
  const noiseFile = path.join(samplesDir, FIXED_NOISE_FILE);
  let noise: Float32Array;
  const random = new Random((config.seed + FIGURE_SEED_OFFSET) >>> 0);
  if (fs.existsSync(noiseFile)) {
    noise = readIdxFile(noiseFile).data as Float32Array;
    if (noise.length !== count * NOISE_DIM) {
      throw new UserError(
        'RUN_BAD_NOISE',
        `reading "${noiseFile}": expected ${count} x ${NOISE_DIM} float32 values, found ${noise.length}`,
      );
    }
  } else {
    noise = random.fillNormal(new Float32Array(count * NOISE_DIM));
    writeIdxFile(noiseFile, { dtype: 'float32', shape: [count, NOISE_DIM], data: noise });
  }

  // Real digits for the review: random training images, not the first ones,
  // which in MNIST are not a fair mix of writers.
  const realFile = path.join(samplesDir, REAL_DIGITS_FILE);
  if (!fs.existsSync(realFile)) {
    const real = new Float32Array(count * IMAGE_PIXELS);
    for (let i = 0; i < count; i++) {
      const start = random.int(train.count) * IMAGE_PIXELS;
      for (let p = 0; p < IMAGE_PIXELS; p++)
        real[i * IMAGE_PIXELS + p] = train.images[start + p] / 255;
    }
    writeSampleGrid(realFile, real, SAMPLE_GRID_SIDE);
  }

  return {
    async fixedSamples(trainer: GanTrainer): Promise<Float32Array> {
      const z = tf.tensor2d(noise, [count, NOISE_DIM]);
      const images = trainer.generate(z);
      const values = ((await images.data()) as Float32Array).slice();
      tf.dispose([z, images]);
      return toUnitRange(values);
    },
    refreshReview(lastEpoch: number): void {
      const panels = reviewEpochs(lastEpoch, config)
        .map((epoch) => ({
          caption: `epoch ${epoch}`,
          file: path.join(samplesDir, sampleGridName(epoch)),
        }))
        .filter((panel) => fs.existsSync(panel.file));
      panels.push({ caption: 'real', file: realFile });
      writeResultsReview(path.join(runDir, 'review.png'), panels);
    },
  };
}

/** Reads a run's `metrics.jsonl` (complete lines only). */
export function readGanMetrics(runDir: string): EpochRecord[] {
  return readMetrics<EpochRecord>(path.join(runDir, 'metrics.jsonl'));
}
