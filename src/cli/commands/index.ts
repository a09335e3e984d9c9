/** Every command of the `mnist-gan` binary, in the order --help lists them. */
import type { Command } from '../options.js';
import { classifyCommand } from './classify.js';
import { evaluateCommand } from './evaluate.js';
import { exploreCommand } from './explore.js';
import { sampleCommand } from './sample.js';
import { trainEvaluatorCommand } from './train-evaluator.js';
import { trainCommand } from './train.js';

export const COMMANDS: Command[] = [
  exploreCommand,
  classifyCommand,
  trainCommand,
  sampleCommand,
  trainEvaluatorCommand,
  evaluateCommand,
];
