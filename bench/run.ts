/**
 * `npm run bench`: the native backend against wasm, tfjs-node (when
 * installed) and PyTorch (when /usr/bin/python3 can import torch), in one
 * run so the ratios share the machine's load.
 *
 * Measures images/s of the GAN training step, GFLOPS of the GAN's matrix
 * products (each plain and with either operand transposed) and images/s of
 * a DCGAN-like convolution step. The native backend and PyTorch each run on
 * one thread and on all cores, and each side's best counts. Every figure is
 * a median of several repeats.
 *
 * A shared machine's speed drifts over minutes, so the native backend and
 * PyTorch are measured in alternating rounds; each round gives its own
 * ratios, and the reported figures and ratios are medians over the rounds.
 * Prints a table and writes everything, each round included, to
 * bench/results/latest.json.
 *
 * Usage: node dist/bench/run.js [--rounds N] [--repeats N] [--steps N] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

import { initBackend } from '../src/backend/select.js';
import { getNativeIsa, setNativeThreads } from '../src/backend/native.js';
import { writeJsonAtomic } from '../src/util/fs-atomic.js';
import {
  LAYOUTS,
  MATMUL_SHAPES,
  convStepRate,
  ganStepRate,
  matMulGflops,
  median,
} from './tfjs-cases.js';

/** Figures of one backend (or one PyTorch thread count). */
interface Figures {
  ganImagesPerSecond: number;
  matmulGflops: Record<string, number>;
  /** Null when the backend lacks a kernel the step needs. */
  convImagesPerSecond: number | null;
  /** PyTorch only: the BLAS libraries its process loaded. */
  blas?: string;
}

interface Options {
  rounds: number;
  repeats: number;
  steps: number;
  out: string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';

function parseOptions(argv: string[]): Options {
  const options: Options = {
    rounds: 3,
    repeats: 5,
    steps: 12,
    out: path.join(ROOT, 'bench/results/latest.json'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--out' && value !== undefined) {
      options.out = path.resolve(value);
    } else if (
      (flag === '--rounds' || flag === '--repeats' || flag === '--steps') &&
      /^[1-9]\d*$/.test(value ?? '')
    ) {
      options[flag.slice(2) as 'rounds' | 'repeats' | 'steps'] = Number(value);
    } else {
      throw new Error(
        `bench: expected --rounds N, --repeats N, --steps N or --out FILE, got "${flag} ${value ?? ''}"`,
      );
    }
  }
  return options;
}

function shapeKey([m, k, n]: [number, number, number], layout: string): string {
  return `${m}x${k}x${n}:${layout}`;
}

/** Every TF.js figure on the active backend; notes what it could not run. */
function measureTfjs(
  options: Options,
  name: string,
  skipped: Record<string, string>,
): Figures {
  const matmulGflops: Record<string, number> = {};
  for (const shape of MATMUL_SHAPES) {
    for (const layout of LAYOUTS) {
      matmulGflops[shapeKey(shape, layout)] = matMulGflops(
        shape,
        layout,
        options.repeats,
      );
    }
  }
  return {
    ganImagesPerSecond: ganStepRate(options.steps, options.repeats),
    matmulGflops,
    convImagesPerSecond: tryConvStep(options, name, skipped),
  };
}

function tryConvStep(
  options: Options,
  name: string,
  skipped: Record<string, string>,
): number | null {
  try {
    return convStepRate(Math.max(2, Math.round(options.steps / 3)), options.repeats);
  } catch (error) {
    skipped[`${name} conv step`] = error instanceof Error ? error.message : String(error);
    tf.disposeVariables();
    return null;
  }
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** The better of two sets of figures, figure by figure. */
function best(a: Figures, b: Figures): Figures {
  const matmulGflops: Record<string, number> = {};
  for (const key of Object.keys(a.matmulGflops)) {
    matmulGflops[key] = Math.max(a.matmulGflops[key], b.matmulGflops[key] ?? 0);
  }
  return {
    ganImagesPerSecond: Math.max(a.ganImagesPerSecond, b.ganImagesPerSecond),
    matmulGflops,
    convImagesPerSecond: maxOrNull(a.convImagesPerSecond, b.convImagesPerSecond),
  };
}

function runTorch(threads: number, options: Options): Figures | string {
  const script = path.join(ROOT, 'bench/torch_reference.py');
  const result = spawnSync(
    PYTHON,
    [
      script,
      '--threads',
      String(threads),
      '--repeats',
      String(options.repeats),
      '--steps',
      String(options.steps),
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  if (result.error) return `${PYTHON} could not run: ${result.error.message}`;
  if (result.status !== 0) {
    const lines = (result.stderr ?? '').trim().split('\n');
    return `torch_reference.py failed: ${lines[lines.length - 1] ?? `status ${result.status}`}`;
  }
  return JSON.parse(result.stdout) as Figures;
}

function torchImportable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (probe.error) return `${PYTHON} is not available (${probe.error.message})`;
  if (probe.status !== 0) return 'torch is not importable by /usr/bin/python3';
  return undefined;
}

function format(value: number | null | undefined, digits = 1): string {
  return value === undefined || value === null ? '-' : value.toFixed(digits);
}

/** Median of `values` (not changed). */
function medianOf(values: number[]): number {
  return median([...values]);
}

/** Figure by figure, the median over several sets of figures. */
function medianFigures(sets: Figures[]): Figures {
  const matmulGflops: Record<string, number> = {};
  for (const key of Object.keys(sets[0].matmulGflops)) {
    matmulGflops[key] = medianOf(sets.map((f) => f.matmulGflops[key]));
  }
  const conv = sets
    .map((f) => f.convImagesPerSecond)
    .filter((value): value is number => value !== null);
  return {
    ganImagesPerSecond: medianOf(sets.map((f) => f.ganImagesPerSecond)),
    matmulGflops,
    convImagesPerSecond: conv.length > 0 ? medianOf(conv) : null,
    ...(sets[0].blas !== undefined ? { blas: sets[0].blas } : {}),
  };
}

/** The native backend's figures over PyTorch's, measured in one round. */
function ratiosOf(native: Figures, torch: Figures): Record<string, number> {
  const ratios: Record<string, number> = {
    ganStep: native.ganImagesPerSecond / torch.ganImagesPerSecond,
  };
  if (native.convImagesPerSecond !== null && torch.convImagesPerSecond !== null) {
    ratios.convStep = native.convImagesPerSecond / torch.convImagesPerSecond;
  }
  for (const key of Object.keys(native.matmulGflops)) {
    ratios[`matmul ${key}`] = native.matmulGflops[key] / torch.matmulGflops[key];
  }
  return ratios;
}

/** One round: the native backend, then PyTorch, each on 1 thread and all cores. */
interface Round {
  results: Record<string, Figures>;
  ratios: Record<string, number>;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cores = os.availableParallelism();
  const started = Date.now();
  const skipped: Record<string, string> = {};
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;

  let nativeReady = true;
  try {
    await initBackend('native');
  } catch (error) {
    skipped.native = error instanceof Error ? error.message : String(error);
    nativeReady = false;
  }
  const torchProblem = torchImportable();
  if (torchProblem !== undefined) skipped.torch = torchProblem;

  const rounds: Round[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const results: Record<string, Figures> = {};
    if (nativeReady) {
      setNativeThreads(1);
      results['native-1-thread'] = measureTfjs(options, 'native-1-thread', skipped);
      setNativeThreads(cores);
      const all = `native-${cores}-threads`;
      results[all] = measureTfjs(options, all, skipped);
      results.native = best(results['native-1-thread'], results[all]);
    }
    if (torchProblem === undefined) {
      for (const threads of [1, cores]) {
        const figures = runTorch(threads, options);
        if (typeof figures === 'string') {
          skipped[`torch-${threads}`] = figures;
        } else {
          results[`torch-${threads}-thread${threads > 1 ? 's' : ''}`] = figures;
        }
      }
      const torchRuns = Object.keys(results).filter((key) => key.startsWith('torch-'));
      if (torchRuns.length > 0) {
        results.torch = torchRuns.map((key) => results[key]).reduce(best);
      }
    }
    const ratios =
      results.native && results.torch ? ratiosOf(results.native, results.torch) : {};
    rounds.push({ results, ratios });
    process.stderr.write(
      `bench: round ${round} of ${options.rounds} done (${elapsed()})\n`,
    );
  }

  // Medians over the rounds, figure by figure and ratio by ratio.
  const results: Record<string, Figures> = {};
  for (const key of Object.keys(rounds[0].results)) {
    const sets = rounds.map((r) => r.results[key]).filter((f) => f !== undefined);
    results[key] = medianFigures(sets);
  }
  const ratios: Record<string, number> = {};
  for (const key of Object.keys(rounds[0].ratios)) {
    ratios[key] = medianOf(rounds.map((r) => r.ratios[key]));
  }

  // The other TF.js backends, once: they are far from the targets.
  for (const name of ['wasm', 'tensorflow'] as const) {
    try {
      await initBackend(name);
    } catch (error) {
      skipped[name] = error instanceof Error ? error.message : String(error);
      continue;
    }
    results[name] = measureTfjs(options, name, skipped);
    process.stderr.write(`bench: ${name} done (${elapsed()})\n`);
  }
  if (results.native && results.wasm) {
    ratios.ganStepNativeOverWasm =
      results.native.ganImagesPerSecond / results.wasm.ganImagesPerSecond;
  }

  // Table.
  const columns = Object.keys(results);
  const rows: [string, (f: Figures) => number | null][] = [
    ['GAN step images/s', (f) => f.ganImagesPerSecond],
    ['conv step images/s', (f) => f.convImagesPerSecond],
    ...Object.keys(results[columns[0]]?.matmulGflops ?? {}).map(
      (key): [string, (f: Figures) => number | null] => [
        `matmul ${key} GFLOPS`,
        (f) => f.matmulGflops[key],
      ],
    ),
  ];
  const out = process.stdout;
  out.write(`${'figure'.padEnd(30)}${columns.map((c) => c.padStart(18)).join('')}\n`);
  for (const [label, pick] of rows) {
    out.write(
      `${label.padEnd(30)}${columns.map((c) => format(pick(results[c])).padStart(18)).join('')}\n`,
    );
  }
  out.write(
    `\nratios (native best / PyTorch best unless named otherwise; median of ${rounds.length} rounds):\n`,
  );
  for (const [key, value] of Object.entries(ratios)) {
    const perRound = rounds
      .map((r) => r.ratios[key])
      .filter((x) => x !== undefined)
      .map((x) => x.toFixed(2));
    const spread = perRound.length > 1 ? `   rounds: ${perRound.join(', ')}` : '';
    out.write(`  ${key.padEnd(36)} ${value.toFixed(2)}${spread}\n`);
  }
  for (const [key, why] of Object.entries(skipped)) out.write(`skipped ${key}: ${why}\n`);
  const blas = results['torch-1-thread']?.blas;
  if (blas !== undefined) {
    out.write(`PyTorch BLAS: ${blas}\n`);
    if (!/openblas|mkl|blis/i.test(blas)) {
      out.write(
        'warning: PyTorch runs on the reference BLAS, which is 20-30x slower than OpenBLAS;\n' +
          '  for a fair peer install it first: apt-get install libopenblas0-pthread\n',
      );
    }
  }

  writeJsonAtomic(options.out, {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus()[0]?.model ?? 'unknown', cores, loadAverage: os.loadavg() },
    nativeIsa: results.native ? getNativeIsa() : undefined,
    options: { rounds: options.rounds, repeats: options.repeats, steps: options.steps },
    seconds: (Date.now() - started) / 1000,
    results,
    ratios,
    rounds,
    skipped,
  });
  out.write(
    `\nwrote ${path.relative(process.cwd(), options.out)} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  tf.disposeVariables();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
