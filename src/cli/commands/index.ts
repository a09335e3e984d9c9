/** Every command of the `mnist-gan` binary, in the order --help lists them. */
import type { Command } from '../options.js';
import { evaluateCommand } from './evaluate.js';
import { trainEvaluatorCommand } from './train-evaluator.js';

export const COMMANDS: Command[] = [trainEvaluatorCommand, evaluateCommand];
