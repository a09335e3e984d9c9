/**
 * `npm run bench`: the native backend against wasm, tfjs-node (when
 * installed) and PyTorch (when /usr/bin/python3 can import torch), in one
 * run so the ratios share the machine's load.
 *
 * Measures images/s of the GAN training step, GFLOPS of the GAN's matrix
 * products (each plain and with either operand transposed) and images/s of
 * a DCGAN-like convolution step. The native backend and PyTorch each run on
 * one thread and on all cores, and each side's best counts, as the issue
 * asks. Every figure is a median of several repeats. Prints a table and
 * writes everything, ratios included, to bench/results/latest.json.
 *
 * Usage: node dist/bench/run.js [--repeats N] [--steps N] [--out FILE]
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
  repeats: number;
  steps: number;
  out: string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';

function parseOptions(argv: string[]): Options {
  const options: Options = {
    repeats: 5,
    steps: 12,
    out: path.join(ROOT, 'bench/results/latest.json'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--out' && value !== undefined) {
      options.out = path.resolve(value);
    } else if (
      (flag === '--repeats' || flag === '--steps') &&
      /^[1-9]\d*$/.test(value ?? '')
    ) {
      options[flag === '--repeats' ? 'repeats' : 'steps'] = Number(value);
    } else {
      throw new Error(
        `bench: expected --repeats N, --steps N or --out FILE, got "${flag} ${value ?? ''}"`,
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

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cores = os.availableParallelism();
  const started = Date.now();
  const results: Record<string, Figures> = {};
  const skipped: Record<string, string> = {};

  // TF.js backends, each in turn in this process.
  for (const name of ['native', 'wasm', 'tensorflow'] as const) {
    try {
      await initBackend(name);
    } catch (error) {
      skipped[name] = error instanceof Error ? error.message : String(error);
      continue;
    }
    if (name === 'native') {
      setNativeThreads(1);
      results['native-1-thread'] = measureTfjs(options, 'native-1-thread', skipped);
      setNativeThreads(cores);
      results[`native-${cores}-threads`] = measureTfjs(
        options,
        `native-${cores}-threads`,
        skipped,
      );
      results.native = best(
        results['native-1-thread'],
        results[`native-${cores}-threads`],
      );
    } else {
      results[name] = measureTfjs(options, name, skipped);
    }
    process.stderr.write(
      `bench: ${name} done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }

  // PyTorch on one thread and on all cores.
  const torchProblem = torchImportable();
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
    process.stderr.write(
      `bench: torch done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  } else {
    skipped.torch = torchProblem;
  }

  // Ratios of the native backend's best to PyTorch's best.
  const ratios: Record<string, number> = {};
  if (results.native && results.torch) {
    const native = results.native;
    const torch = results.torch;
    ratios.ganStep = native.ganImagesPerSecond / torch.ganImagesPerSecond;
    if (native.convImagesPerSecond !== null && torch.convImagesPerSecond !== null) {
      ratios.convStep = native.convImagesPerSecond / torch.convImagesPerSecond;
    }
    for (const key of Object.keys(native.matmulGflops)) {
      ratios[`matmul ${key}`] = native.matmulGflops[key] / torch.matmulGflops[key];
    }
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
  out.write('\nratios (native best / PyTorch best unless named otherwise):\n');
  for (const [key, value] of Object.entries(ratios)) {
    out.write(`  ${key.padEnd(36)} ${value.toFixed(2)}\n`);
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
    options: { repeats: options.repeats, steps: options.steps },
    seconds: (Date.now() - started) / 1000,
    results,
    ratios,
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
