/**
 * Declarative command-line options shared by every command: each option is
 * described once (type, default, help), parsed with `node:util` parseArgs in
 * strict mode, and validated with the helpers below so that a wrong flag is a
 * one-line {@link UserError}.
 */
import { parseArgs } from 'node:util';

import type { BackendName } from '../backend/select.js';
import { UserError } from '../util/errors.js';

/** The value of --backend, checked by `initBackend`. */
export type BackendOption = BackendName;

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias. */
  short?: string;
  /** Help text; the default is appended automatically. */
  description: string;
  /** Default shown in --help and applied when the flag is absent. */
  default?: string | boolean;
  /** Placeholder shown in --help, e.g. `N` or `DIR`. */
  valueName?: string;
}

export type OptionTable = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** Output streams a command writes to; tests pass their own. */
export interface CommandIo {
  /** One line to stdout (results, per-epoch lines). */
  out: (line: string) => void;
  /** One line to stderr (warnings, backend choice). */
  err: (line: string) => void;
  /** True when stderr is a terminal, so progress bars may be drawn. */
  interactive: boolean;
  /** Redraws the progress line on stderr (no newline); only used when interactive. */
  progress?: (text: string) => void;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Longer help shown by `<command> --help`. */
  description?: string;
  /** Positional arguments shown in usage, e.g. `[RUN]`. */
  positionals?: string;
  options: OptionTable;
  run(values: OptionValues, positionals: string[], io: CommandIo): Promise<void>;
}

/** Parses `argv` against `table`; unknown flags and missing values are user errors. */
export function parseOptions(
  command: string,
  table: OptionTable,
  argv: string[],
): { values: OptionValues; positionals: string[] } {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(table)) {
    config[name] = spec.short
      ? { type: spec.type, short: spec.short }
      : { type: spec.type };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: config,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new UserError(
      'BAD_FLAG',
      `${command}: ${message} (see "mnist-gan ${command} --help")`,
    );
  }
  const values: OptionValues = {};
  for (const [name, spec] of Object.entries(table)) {
    const given = parsed.values[name];
    values[name] = (given as string | boolean | undefined) ?? spec.default;
  }
  return { values, positionals: parsed.positionals };
}

/** Formats `--help` for a command. */
export function formatHelp(command: Command): string {
  const lines = [
    `Usage: mnist-gan ${command.name} [options]${command.positionals ? ' ' + command.positionals : ''}`,
    '',
    command.description ?? command.summary,
    '',
    'Options:',
  ];
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const flag =
      (spec.short ? `-${spec.short}, ` : '    ') +
      `--${name}` +
      (spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '');
    const suffix =
      spec.default !== undefined && spec.default !== false
        ? ` (default: ${spec.default})`
        : '';
    return [flag, spec.description + suffix];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  for (const [flag, text] of rows) lines.push(`  ${flag.padEnd(width)}${text}`);
  return lines.join('\n');
}

/** Reads a string option that must be present. */
export function stringOption(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new UserError('BAD_FLAG', `--${name}: a value is required`);
  }
  return value;
}

/** Reads an optional string option. */
export function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads an integer option within [min, max]. */
export function intOption(
  values: OptionValues,
  name: string,
  range: { min?: number; max?: number } = {},
): number {
  const text = stringOption(values, name);
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new UserError('BAD_FLAG', `--${name}: expected a whole number, got "${text}"`);
  }
  checkRange(name, value, range);
  return value;
}

/** Reads a finite number option within [min, max]. */
export function numberOption(
  values: OptionValues,
  name: string,
  range: { min?: number; max?: number } = {},
): number {
  const text = stringOption(values, name);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UserError('BAD_FLAG', `--${name}: expected a number, got "${text}"`);
  }
  checkRange(name, value, range);
  return value;
}

/** Reads an optional integer option; absent means undefined. */
export function optionalInt(
  values: OptionValues,
  name: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  return optionalString(values, name) === undefined
    ? undefined
    : intOption(values, name, range);
}

/** Reads an option that must be one of `choices`. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
): T {
  const value = stringOption(values, name);
  if (!choices.includes(value as T)) {
    throw new UserError(
      'BAD_FLAG',
      `--${name}: expected one of ${choices.join(', ')}, got "${value}"`,
    );
  }
  return value as T;
}

/** Parses a comma-separated list of positive integers, e.g. `1,20,100`. */
export function intListOption(values: OptionValues, name: string): number[] {
  const text = stringOption(values, name);
  const items = text.split(',').map((item) => item.trim());
  const numbers = items.map((item) => Number(item));
  if (items.some((item, i) => !/^\d+$/.test(item) || numbers[i] < 1)) {
    throw new UserError(
      'BAD_FLAG',
      `--${name}: expected a comma-separated list of positive whole numbers, got "${text}"`,
    );
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function checkRange(name: string, value: number, range: { min?: number; max?: number }) {
  if (range.min !== undefined && value < range.min) {
    throw new UserError(
      'BAD_FLAG',
      `--${name}: expected at least ${range.min}, got ${value}`,
    );
  }
  if (range.max !== undefined && value > range.max) {
    throw new UserError(
      'BAD_FLAG',
      `--${name}: expected at most ${range.max}, got ${value}`,
    );
  }
}

/** Options every training or data command shares. */
export const COMMON_OPTIONS = {
  out: {
    type: 'string',
    valueName: 'DIR',
    description: 'Run folder to write into (default: runs/<command>-<time>)',
  },
  data: {
    type: 'string',
    valueName: 'DIR',
    description: 'Folder with MNIST-style IDX files (default: the bundled MNIST)',
  },
  backend: {
    type: 'string',
    valueName: 'NAME',
    default: 'auto',
    description: 'TF.js backend: auto, native, wasm, cpu or tensorflow',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
} satisfies OptionTable;
