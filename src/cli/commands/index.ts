/** Every command of the `mnist-gan` binary, in the order --help lists them. */
import type { Command } from '../options.js';
import { classifyCommand } from './classify.js';
import { exploreCommand } from './explore.js';

export const COMMANDS: Command[] = [exploreCommand, classifyCommand];
