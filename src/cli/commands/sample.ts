/**
 * `mnist-gan sample RUN`: digits from a trained run's generator, as an IDX
 * file in MNIST's image format or a PNG grid, or a latent interpolation
 * strip (`--interpolate`).
 */
import * as path from 'node:path';

import { BACKEND_NAMES, initBackend, type BackendName } from '../../backend/select.js';
import { writeIdxFile } from '../../data/idx.js';
import { writeSampleGrid } from '../../train/gan-figures.js';
import {
  findEpochCheckpoint,
  interpolateDigits,
  loadCheckpointGenerator,
  sampleDigits,
  toMnistIdx,
} from '../../train/gan-sample.js';
import { UserError } from '../../util/errors.js';
import { Random } from '../../util/random.js';
import {
  choiceOption,
  COMMON_OPTIONS,
  intOption,
  optionalInt,
  optionalString,
  type Command,
  type CommandIo,
  type OptionValues,
} from '../options.js';

const FORMATS = ['idx', 'png'] as const;
/** Pixel enlargement of the PNGs this command writes, for viewing. */
const OUTPUT_SCALE = 2;

async function run(
  values: OptionValues,
  positionals: string[],
  io: CommandIo,
): Promise<void> {
  if (positionals.length !== 1) {
    throw new UserError(
      'BAD_FLAG',
      `expected one run folder, got ${positionals.length} (usage: mnist-gan sample RUN [options])`,
    );
  }
  const runDir = positionals[0];
  const epoch = optionalInt(values, 'epoch', { min: 1 });
  const count = intOption(values, 'count', { min: 1, max: 1_000_000 });
  const seed = intOption(values, 'seed', { min: 0, max: 0xffffffff });
  const interpolate = values.interpolate === true;
  const steps = intOption(values, 'steps', { min: 2, max: 1000 });
  const format = choiceOption(values, 'format', FORMATS);

  const checkpoint = findEpochCheckpoint(runDir, epoch);
  const backend = await initBackend(
    choiceOption<BackendName>(values, 'backend', BACKEND_NAMES),
  );
  io.err(`backend: ${backend.name} (${backend.reason})`);
  const generator = await loadCheckpointGenerator(checkpoint.dir);
  const random = new Random(seed);
  const tag = `epoch-${String(checkpoint.epoch).padStart(4, '0')}`;
  try {
    if (interpolate) {
      const file =
        optionalString(values, 'output') ??
        path.join(runDir, `interpolation-${tag}-seed-${seed}.png`);
      writeSampleGrid(
        file,
        interpolateDigits(generator, steps, random),
        steps,
        OUTPUT_SCALE,
      );
      io.out(
        `wrote a ${steps}-step interpolation from epoch ${checkpoint.epoch} to "${file}"`,
      );
      return;
    }
    const images = sampleDigits(generator, count, random);
    const file =
      optionalString(values, 'output') ??
      path.join(runDir, `samples-${tag}-${count}.${format === 'idx' ? 'idx' : 'png'}`);
    if (format === 'idx' || file.endsWith('.idx') || file.endsWith('-ubyte')) {
      writeIdxFile(file, toMnistIdx(images));
    } else {
      writeSampleGrid(file, images, Math.min(count, 10), OUTPUT_SCALE);
    }
    io.out(`wrote ${count} digits from epoch ${checkpoint.epoch} to "${file}"`);
  } finally {
    generator.dispose();
  }
}

/** The `sample` command. */
export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Draw digits from a trained GAN run (IDX file, PNG grid or interpolation)',
  positionals: 'RUN',
  options: {
    epoch: {
      type: 'string',
      valueName: 'N',
      description: 'Checkpoint epoch (default: the latest)',
    },
    count: {
      type: 'string',
      valueName: 'N',
      default: '100',
      description: 'Digits to draw',
    },
    format: {
      type: 'string',
      valueName: 'FORMAT',
      default: 'idx',
      description: 'idx (uint8 N x 28 x 28, MNIST image format) or png (grid)',
    },
    output: {
      type: 'string',
      valueName: 'FILE',
      description: 'File to write (default: in RUN)',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      default: '1',
      description: 'Seed of the noise',
    },
    interpolate: {
      type: 'boolean',
      description: 'Write a strip of digits between two noise vectors instead',
    },
    steps: {
      type: 'string',
      valueName: 'N',
      default: '10',
      description: 'Digits in the interpolation strip',
    },
    backend: COMMON_OPTIONS.backend,
    help: COMMON_OPTIONS.help,
  },
  run,
};
