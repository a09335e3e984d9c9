#!/usr/bin/env node
/** Entry point of the `mnist-gan` binary. */
import { main } from './cli.js';
import type { CommandIo } from './options.js';

const processIo: CommandIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  interactive: Boolean(process.stderr.isTTY),
  progress: (text) => process.stderr.write(`\r${text}\x1b[K`),
};

main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`mnist-gan: internal error: ${text}\n`);
    process.exitCode = 1;
  },
);
