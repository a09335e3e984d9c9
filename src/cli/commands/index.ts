/** Every command of the `mnist-gan` binary, in the order --help lists them. */
import { main } from '../cli.js';
import type { Command } from '../options.js';
import { classifyCommand } from './classify.js';
import { evaluateCommand } from './evaluate.js';
import { exploreCommand } from './explore.js';
import { sampleCommand } from './sample.js';
import { createStudyCommand } from './study.js';
import { trainEvaluatorCommand } from './train-evaluator.js';
import { trainCommand } from './train.js';

export const COMMANDS: Command[] = [
  createStudyCommand((argv, io) => main(argv, io)),
  exploreCommand,
  classifyCommand,
  trainCommand,
  sampleCommand,
  evaluateCommand,
  trainEvaluatorCommand,
];
