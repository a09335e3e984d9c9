/**
 * The `mnist-gan` command line as a function: finds the command, parses its
 * options and runs it. User errors become one line on stderr and a non-zero
 * exit code; anything else is a bug and keeps its stack trace.
 */
import { isUserError } from '../util/errors.js';
import { COMMANDS } from './commands/index.js';
import { formatHelp, parseOptions, type CommandIo } from './options.js';

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: mnist-gan <command> [options]',
    '',
    'Generative adversarial networks on MNIST, with TensorFlow.js.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run "mnist-gan <command> --help" for the options of a command.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(
      `mnist-gan: error: unknown command "${name}" (expected one of ${COMMANDS.map((c) => c.name).join(', ')})`,
    );
    return 2;
  }
  try {
    const { values, positionals } = parseOptions(command.name, command.options, rest);
    if (values.help === true) {
      io.out(formatHelp(command));
      return 0;
    }
    await command.run(values, positionals, io);
    return 0;
  } catch (error) {
    if (isUserError(error)) {
      // A stop the user asked for (Ctrl-C) is reported, not called an error.
      const kind = error.code === 'INTERRUPTED' ? 'stopped' : 'error';
      io.err(`mnist-gan ${command.name}: ${kind}: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}
