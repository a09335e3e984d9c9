/**
 * `mnist-gan study`: the whole case study in one run folder, as the four
 * commands it is made of would run it by hand:
 *
 *   <out>/explore    mnist-gan explore    (part 1: the data)
 *   <out>/classify   mnist-gan classify   (part 2: the feed-forward classifier)
 *   <out>/gan        mnist-gan train      (part 3: the GAN, 400 epochs)
 *   <out>/gan        mnist-gan evaluate   (part 4: quality of the saved epochs)
 *
 * `--resume` skips the parts already finished and continues the GAN from its
 * newest checkpoint, so an interrupted afternoon picks up where it stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CHECKPOINTS_DIR } from '../../train/checkpoint.js';
import { defaultRunDir } from '../../util/run-dir.js';
import { UserError } from '../../util/errors.js';
import {
  COMMON_OPTIONS,
  intListOption,
  intOption,
  optionalInt,
  optionalString,
  type Command,
  type CommandIo,
} from '../options.js';

/** Signature of the CLI's own `main`, passed in to avoid an import cycle. */
type RunCommand = (argv: string[], io: CommandIo) => Promise<number>;

/** Creates the study command around the CLI's dispatcher. */
export function createStudyCommand(runCommand: RunCommand): Command {
  return {
    name: 'study',
    summary: 'Run the whole case study: explore, classify, train the GAN, evaluate it',
    description:
      'Runs the four parts of the case study into one folder: explore/ (the data),\n' +
      'classify/ (the feed-forward classifier), gan/ (the GAN with its grids, review\n' +
      'and checkpoints) and the quality of its saved epochs (gan/quality.json).\n' +
      'With --resume, finished parts are skipped and the GAN continues from its\n' +
      'newest checkpoint.',
    options: {
      epochs: {
        type: 'string',
        valueName: 'N',
        default: '400',
        description: 'GAN training epochs',
      },
      'classify-epochs': {
        type: 'string',
        valueName: 'N',
        default: '20',
        description: 'Classifier training epochs',
      },
      'sample-epochs': {
        type: 'string',
        valueName: 'LIST',
        default: '1,20,100,200,400',
        description: 'Epochs with a GAN grid, shown side by side in the review',
      },
      'eval-samples': {
        type: 'string',
        valueName: 'N',
        default: '10000',
        description: 'Digits drawn from each saved generator for the quality metrics',
      },
      'train-limit': {
        type: 'string',
        valueName: 'N',
        description: 'Train on the first N training images only (quick runs)',
      },
      resume: {
        type: 'boolean',
        description: 'Continue the study in --out: skip finished parts, resume the GAN',
      },
      ...COMMON_OPTIONS,
    },
    async run(values, _positionals, io) {
      const epochs = intOption(values, 'epochs', { min: 1, max: 100000 });
      const classifyEpochs = intOption(values, 'classify-epochs', { min: 1, max: 1000 });
      const sampleEpochs = intListOption(values, 'sample-epochs').filter(
        (e) => e <= epochs,
      );
      const evalSamples = intOption(values, 'eval-samples', { min: 100, max: 1000000 });
      const trainLimit = optionalInt(values, 'train-limit', { min: 1 });
      const resume = values.resume === true;
      const given = optionalString(values, 'out');
      if (resume && given === undefined) {
        throw new UserError('BAD_FLAG', '--resume: give the study folder with --out DIR');
      }
      const out = given ?? defaultRunDir('study');
      const shared = ['--backend', String(values.backend)];
      const data = optionalString(values, 'data');
      if (data !== undefined) shared.push('--data', data);
      const limit = trainLimit === undefined ? [] : ['--train-limit', String(trainLimit)];
      const dirs = {
        explore: path.join(out, 'explore'),
        classify: path.join(out, 'classify'),
        gan: path.join(out, 'gan'),
      };

      const stage = async (title: string, argv: string[]): Promise<void> => {
        io.out(`== ${title}: mnist-gan ${argv.join(' ')}`);
        const code = await runCommand(argv, io);
        if (code !== 0) {
          throw new UserError(
            'STUDY_STAGE_FAILED',
            `${title} stopped with exit code ${code}; continue with "mnist-gan study --resume --out ${out}"`,
            code,
          );
        }
      };

      if (resume && fs.existsSync(path.join(dirs.explore, 'stats.json'))) {
        io.out(`== part 1, explore: done already in ${dirs.explore}`);
      } else {
        const exploreData = data === undefined ? [] : ['--data', data];
        await stage('part 1, explore', [
          'explore',
          '--out',
          dirs.explore,
          ...exploreData,
        ]);
      }

      if (resume && fs.existsSync(path.join(dirs.classify, 'results.json'))) {
        io.out(`== part 2, classify: done already in ${dirs.classify}`);
      } else {
        await stage('part 2, classify', [
          'classify',
          '--out',
          dirs.classify,
          '--epochs',
          String(classifyEpochs),
          ...limit,
          ...shared,
        ]);
      }

      const hasCheckpoint = fs.existsSync(path.join(dirs.gan, CHECKPOINTS_DIR));
      const ganArgs = ['train', '--out', dirs.gan, '--epochs', String(epochs), ...shared];
      if (resume && hasCheckpoint) {
        await stage('part 3, GAN (resumed)', [...ganArgs, '--resume']);
      } else {
        const samples =
          sampleEpochs.length > 0 ? ['--sample-epochs', sampleEpochs.join(',')] : [];
        await stage('part 3, GAN', [...ganArgs, ...samples, ...limit]);
      }

      await stage('part 4, quality', [
        'evaluate',
        dirs.gan,
        '--samples',
        String(evalSamples),
        ...shared,
      ]);
      io.out(
        `study done: ${dirs.explore}/examples.png, ${dirs.classify}/training.png, ` +
          `${dirs.gan}/review.png, ${dirs.gan}/quality.json`,
      );
    },
  };
}
