/**
 * `mnist-gan evaluate`: scores generated digits with the shipped evaluation
 * network: MNIST FID, Inception Score, class coverage, confident share and
 * a memorisation check, all against the real MNIST test set.
 *
 *   mnist-gan evaluate samples.idx          an IDX file, uint8 [N, 28, 28]
 *   mnist-gan evaluate runs/gan-...         every saved epoch of a run
 *   mnist-gan evaluate RUN --epochs 1,50    chosen epochs
 *   mnist-gan evaluate --calibrate          real, damaged and noise sets
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { initBackend, type BackendName } from '../../backend/select.js';
import { toFloatPixels } from '../../data/batches.js';
import { readIdxFile } from '../../data/idx.js';
import { IMAGE_SIZE, loadDataset, type Dataset } from '../../data/mnist.js';
import { runCalibration } from '../../eval/calibration.js';
import { sampleGenerator } from '../../eval/generator-samples.js';
import {
  REFERENCE_DEFAULTS,
  evaluateImages,
  prepareQuality,
  type QualityContext,
  type QualityOptions,
  type QualityReport,
} from '../../eval/quality.js';
import { writeQualityChart } from '../../eval/quality-chart.js';
import { markdownTable, tableHeader, tableLine } from '../../eval/quality-table.js';
import {
  listGeneratorCheckpoints,
  verifyGeneratorCheckpoint,
} from '../../eval/run-checkpoints.js';
import { loadModel } from '../../models/io.js';
import { UserError } from '../../util/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/fs-atomic.js';
import { defaultRunDir, ensureDir } from '../../util/run-dir.js';
import {
  COMMON_OPTIONS,
  intListOption,
  intOption,
  numberOption,
  optionalString,
  type Command,
  type CommandIo,
  type OptionValues,
} from '../options.js';

/** Settings every mode shares, read from the flags. */
interface EvaluateSettings {
  evaluatorDir?: string;
  samples: number;
  seed: number;
  trainSubset: number;
  nearestSamples: number;
  quality: Required<QualityOptions>;
}

function readSettings(values: OptionValues): EvaluateSettings {
  return {
    evaluatorDir: optionalString(values, 'evaluator'),
    samples: intOption(values, 'samples', { min: 2, max: 1_000_000 }),
    seed: intOption(values, 'seed', { min: 0, max: 2 ** 32 - 1 }),
    trainSubset: intOption(values, 'train-subset', { min: 1 }),
    nearestSamples: intOption(values, 'nearest-samples', { min: 1 }),
    quality: {
      splits: intOption(values, 'splits', { min: 1, max: 1000 }),
      confidenceThreshold: numberOption(values, 'threshold', { min: 0, max: 1 }),
    },
  };
}

/** Reads an IDX file of digits as [N * 784] floats in [0, 1]. */
function readDigits(file: string): Float32Array {
  const array = readIdxFile(file);
  const [count, rows, cols] = array.shape;
  if (array.dtype !== 'uint8' || array.shape.length !== 3) {
    throw new UserError(
      'EVAL_BAD_IDX',
      `reading "${file}": expected uint8 digits of shape [N, 28, 28], found ${array.dtype} [${array.shape.join(', ')}]`,
    );
  }
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE || count < 2) {
    throw new UserError(
      'EVAL_BAD_IDX',
      `reading "${file}": expected at least 2 digits of 28x28, found ${count} of ${rows}x${cols}`,
    );
  }
  return toFloatPixels(array.data as Uint8Array);
}

async function setUp(values: OptionValues, settings: EvaluateSettings, io: CommandIo) {
  const dataset = loadDataset({ dataDir: optionalString(values, 'data') });
  const backend = await initBackend(values.backend as BackendName);
  io.err(`backend: ${backend.name} (${backend.reason})`);
  const context = await prepareQuality(dataset, {
    evaluatorDir: settings.evaluatorDir,
    trainSubset: settings.trainSubset,
    seed: REFERENCE_DEFAULTS.seed,
    nearestSamples: settings.nearestSamples,
  });
  return { dataset, backend, context };
}

function describe(
  settings: EvaluateSettings,
  setup: { context: QualityContext; backend: { name: string }; dataset: Dataset },
) {
  return {
    evaluator: setup.context.evaluator.source,
    backend: setup.backend.name,
    reference: `test split of ${setup.dataset.bundled ? 'the bundled MNIST' : setup.dataset.source}`,
    fidNote:
      'Frechet distance on the evaluator features: not comparable to Inception FID',
    trainSubset: settings.trainSubset,
    nearestSamples: settings.nearestSamples,
    ...settings.quality,
  };
}

async function evaluateFile(
  file: string,
  values: OptionValues,
  settings: EvaluateSettings,
  io: CommandIo,
): Promise<void> {
  const images = readDigits(file);
  const out = optionalString(values, 'out') ?? defaultRunDir('evaluate');
  const setup = await setUp(values, settings, io);
  const { context } = setup;
  const report = evaluateImages(images, context, settings.quality);
  ensureDir(out);
  const target = path.join(out, 'quality.json');
  writeJsonAtomic(target, {
    source: file,
    ...describe(settings, setup),
    report,
  });
  for (const line of tableHeader('set')) io.out(line);
  io.out(tableLine({ label: path.basename(file), report }, 'set'));
  io.out(`wrote ${target}`);
}

/** One scored epoch of a run, as quality.json stores it. */
interface EpochQuality {
  epoch: number;
  checkpoint: string;
  report: QualityReport;
}

/**
 * The epochs of an existing quality.json whose settings equal `header`;
 * none when the file is absent, unreadable or was made with other settings.
 */
function previousEpochs(file: string, header: Record<string, unknown>): EpochQuality[] {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const same = Object.entries(header).every(
    ([key, value]) => JSON.stringify(saved[key]) === JSON.stringify(value),
  );
  return same && Array.isArray(saved.epochs) ? (saved.epochs as EpochQuality[]) : [];
}

async function evaluateRun(
  runDir: string,
  values: OptionValues,
  settings: EvaluateSettings,
  io: CommandIo,
): Promise<void> {
  const all = listGeneratorCheckpoints(runDir);
  if (all.length === 0) {
    throw new UserError(
      'EVAL_NO_CHECKPOINTS',
      `evaluating run "${runDir}": expected complete checkpoints in "${path.join(runDir, 'checkpoints')}", found none`,
    );
  }
  let chosen = all;
  if (optionalString(values, 'epochs') !== undefined) {
    const wanted = intListOption(values, 'epochs');
    const missing = wanted.filter((epoch) => !all.some((c) => c.epoch === epoch));
    if (missing.length > 0) {
      throw new UserError(
        'EVAL_NO_EPOCH',
        `--epochs: no checkpoint for epoch ${missing.join(', ')} in "${runDir}" (saved: ${all.map((c) => c.epoch).join(', ')})`,
      );
    }
    chosen = all.filter((c) => wanted.includes(c.epoch));
  }
  const out = optionalString(values, 'out') ?? runDir;
  const setup = await setUp(values, settings, io);
  const { context } = setup;
  ensureDir(out);
  const target = path.join(out, 'quality.json');
  const header = {
    run: runDir,
    samples: settings.samples,
    seed: settings.seed,
    ...describe(settings, setup),
  };
  // Epochs scored earlier with the same settings are kept, so scoring a
  // few more epochs adds to quality.json instead of replacing it.
  const epochs = previousEpochs(target, header).filter(
    (entry) => !chosen.some((c) => c.epoch === entry.epoch),
  );
  for (const line of tableHeader('epoch', 6)) io.out(line);
  for (const checkpoint of chosen) {
    verifyGeneratorCheckpoint(checkpoint);
    const generator = await loadModel(checkpoint.generatorDir);
    const images = sampleGenerator(
      generator,
      settings.samples,
      settings.seed,
      checkpoint.generatorDir,
    );
    generator.dispose();
    const report = evaluateImages(images, context, settings.quality);
    epochs.push({ epoch: checkpoint.epoch, checkpoint: checkpoint.dir, report });
    epochs.sort((a, b) => a.epoch - b.epoch);
    io.out(tableLine({ label: String(checkpoint.epoch), report }, 'epoch', 6));
    // Rewritten after every epoch, so an interrupted evaluation keeps the
    // epochs it finished.
    writeJsonAtomic(target, { ...header, epochs });
  }
  if (epochs.length >= 1) {
    const chart = await writeQualityChart(out, 'quality', epochs);
    io.out(`wrote ${target} and ${chart.png}`);
  } else {
    io.out(`wrote ${target}`);
  }
}

async function calibrate(
  values: OptionValues,
  settings: EvaluateSettings,
  io: CommandIo,
): Promise<void> {
  const out = optionalString(values, 'out') ?? defaultRunDir('calibrate');
  const setup = await setUp(values, settings, io);
  const { dataset, context } = setup;
  ensureDir(out);
  for (const line of tableHeader('set')) io.out(line);
  const rows = runCalibration(
    dataset,
    context,
    { trainSubset: settings.trainSubset, seed: REFERENCE_DEFAULTS.seed },
    settings.quality,
    (row) => io.out(tableLine({ label: row.name, report: row.report }, 'set')),
  );
  writeJsonAtomic(path.join(out, 'calibration.json'), {
    ...describe(settings, setup),
    rows,
  });
  const markdown = markdownTable(
    rows.map((row) => ({ label: row.name, report: row.report })),
    'set',
  );
  writeFileAtomic(path.join(out, 'calibration.md'), markdown.join('\n') + '\n');
  io.out(`wrote ${path.join(out, 'calibration.json')} and calibration.md`);
}

/** The `evaluate` command: options and entry point. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Score generated digits: MNIST FID, Inception Score, coverage, memorisation',
  positionals: '[IDX-FILE | RUN]',
  description:
    'Scores digits with the shipped MNIST classifier against the real test set.\n' +
    'The path is an IDX file of uint8 [N, 28, 28] digits (as "mnist-gan sample" writes)\n' +
    'or a GAN run folder, whose saved epochs are each sampled and scored.\n' +
    'The FID here uses the classifier\'s 128 features: it is an "MNIST FID",\n' +
    'not comparable to the Inception FID of papers.',
  options: {
    ...COMMON_OPTIONS,
    out: {
      type: 'string',
      valueName: 'DIR',
      description:
        'Folder for quality.json (default: the run folder, or runs/evaluate-<time> for a file)',
    },
    epochs: {
      type: 'string',
      valueName: 'LIST',
      description: 'Epochs of a run to score, e.g. 1,10,50 (default: every saved epoch)',
    },
    samples: {
      type: 'string',
      valueName: 'N',
      default: '10000',
      description: 'Digits drawn from each generator',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'Seed of the noise fed to the generators',
    },
    calibrate: {
      type: 'boolean',
      description: 'Score real, damaged and noise sets instead (the calibration table)',
    },
    evaluator: {
      type: 'string',
      valueName: 'DIR',
      description:
        'Evaluator model folder (default: the one shipped in assets/evaluator)',
    },
    splits: {
      type: 'string',
      valueName: 'N',
      default: '10',
      description: 'Splits of the Inception Score',
    },
    threshold: {
      type: 'string',
      valueName: 'P',
      default: '0.9',
      description: 'Probability above which a prediction counts as confident',
    },
    'train-subset': {
      type: 'string',
      valueName: 'N',
      default: String(REFERENCE_DEFAULTS.trainSubset),
      description: 'Training images (seeded subsample) of the memorisation check',
    },
    'nearest-samples': {
      type: 'string',
      valueName: 'N',
      default: String(REFERENCE_DEFAULTS.nearestSamples),
      description: 'Digits per set whose nearest training image is measured',
    },
  },
  async run(values, positionals, io) {
    const settings = readSettings(values);
    if (values.calibrate === true) {
      if (positionals.length > 0) {
        throw new UserError(
          'BAD_FLAG',
          `--calibrate takes no path, got "${positionals.join(' ')}"`,
        );
      }
      await calibrate(values, settings, io);
      return;
    }
    if (positionals.length !== 1) {
      throw new UserError(
        'BAD_FLAG',
        `expected one IDX file or run folder (or --calibrate), got ${positionals.length} paths`,
      );
    }
    const target = positionals[0];
    if (!fs.existsSync(target)) {
      throw new UserError(
        'EVAL_MISSING',
        `evaluating "${target}": no such file or folder`,
      );
    }
    if (fs.statSync(target).isDirectory())
      await evaluateRun(target, values, settings, io);
    else await evaluateFile(target, values, settings, io);
  },
};
