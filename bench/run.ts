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
 * A shared machine's speed drifts from minute to minute, so the two sides of
 * every ratio are measured seconds apart: PyTorch's script stays running and
 * is asked for each case right after the native backend measured it. The
 * whole sequence runs in several rounds; each round gives its own ratios,
 * and the reported figures and ratios are medians over the rounds. Prints a
 * table and writes everything, each round included, to
 * bench/results/latest.json.
 *
 * Usage: node dist/bench/run.js [--rounds N] [--repeats N] [--steps N] [--out FILE]
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
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
    rounds: 5,
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

/** Pause after PyTorch's measurements, for its threads to stop spinning. */
const TORCH_IDLE_MS = 300;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One measurement asked of the PyTorch side (see torch_reference.py --serve). */
type TorchRequest =
  | { case: 'gan' | 'conv'; threads: number; repeats: number; steps: number }
  | {
      case: 'matmul';
      threads: number;
      repeats: number;
      steps: number;
      shape: [number, number, number];
      layout: string;
    };

/**
 * The PyTorch reference script kept running between requests, so the bench
 * can measure each case on both sides seconds apart instead of minutes.
 */
class TorchServer {
  private readonly pending: ((line: string | Error) => void)[] = [];
  private readonly lines: string[] = [];
  private stderr = '';
  private exited: Error | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    child.on('exit', (code) => {
      const lines = this.stderr.trim().split('\n');
      this.exited = new Error(
        `torch_reference.py exited (${code ?? 'signal'}): ${lines[lines.length - 1] ?? ''}`,
      );
      for (const waiter of this.pending.splice(0)) waiter(this.exited);
    });
  }

  /** Starts the script; returns it with its first line (versions), or why not. */
  static async start(): Promise<{ server: TorchServer; blas: string } | string> {
    const script = path.join(ROOT, 'bench/torch_reference.py');
    const child = spawn(PYTHON, [script, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const server = new TorchServer(child);
    try {
      const hello = JSON.parse(await server.nextLine()) as { blas: string };
      return { server, blas: hello.blas };
    } catch (error) {
      server.close();
      return error instanceof Error ? error.message : String(error);
    }
  }

  private nextLine(): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.push((line) => (line instanceof Error ? reject(line) : resolve(line)));
    });
  }

  async measure(request: TorchRequest): Promise<number> {
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    return (JSON.parse(await this.nextLine()) as { value: number }).value;
  }

  close(): void {
    this.child.stdin.end();
  }
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

function emptyFigures(): Figures {
  return { ganImagesPerSecond: 0, matmulGflops: {}, convImagesPerSecond: null };
}

/**
 * One round: case by case, the native backend on 1 thread and on all
 * cores, then PyTorch the same way, so both sides of a ratio are measured
 * within seconds of each other. Returns figures keyed like the table's
 * columns.
 */
async function measureRound(
  options: Options,
  cores: number,
  nativeReady: boolean,
  torch: { server: TorchServer; blas: string } | undefined,
  skipped: Record<string, string>,
): Promise<Record<string, Figures>> {
  const threadCounts = [1, cores];
  const label = (side: string, threads: number): string =>
    `${side}-${threads}-thread${threads > 1 ? 's' : ''}`;
  const results: Record<string, Figures> = {};
  for (const threads of threadCounts) {
    if (nativeReady) results[label('native', threads)] = emptyFigures();
    if (torch) results[label('torch', threads)] = { ...emptyFigures(), blas: torch.blas };
  }
  const { repeats, steps } = options;
  const cases: { key: string; native: () => number | null; torch: TorchRequest }[] = [
    {
      key: 'gan',
      native: () => ganStepRate(steps, repeats),
      torch: { case: 'gan', threads: 1, repeats, steps },
    },
    ...MATMUL_SHAPES.flatMap((shape) =>
      LAYOUTS.map((layout) => ({
        key: shapeKey(shape, layout),
        native: () => matMulGflops(shape, layout, repeats),
        torch: { case: 'matmul' as const, threads: 1, repeats, steps, shape, layout },
      })),
    ),
    {
      key: 'conv',
      native: () => tryConvStep(options, 'native', skipped),
      torch: { case: 'conv', threads: 1, repeats, steps },
    },
  ];
  const store = (figures: Figures, key: string, value: number | null): void => {
    if (key === 'gan') figures.ganImagesPerSecond = value ?? 0;
    else if (key === 'conv') figures.convImagesPerSecond = value;
    else figures.matmulGflops[key] = value ?? 0;
  };
  for (const c of cases) {
    for (const threads of threadCounts) {
      if (!nativeReady) break;
      setNativeThreads(threads);
      store(results[label('native', threads)], c.key, c.native());
    }
    for (const threads of threadCounts) {
      if (!torch) break;
      const value = await torch.server.measure({ ...c.torch, threads });
      store(results[label('torch', threads)], c.key, value);
    }
    // OpenBLAS's idle threads keep spinning for about 0.1 s after a call;
    // the next native measurement waits until they sleep.
    if (torch) await sleep(TORCH_IDLE_MS);
  }
  if (nativeReady) {
    results.native = best(results[label('native', 1)], results[label('native', cores)]);
  }
  if (torch) {
    results.torch = best(results[label('torch', 1)], results[label('torch', cores)]);
  }
  return results;
}

/** One round's figures and the ratios between its two sides. */
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
  let torch: { server: TorchServer; blas: string } | undefined;
  const torchProblem = torchImportable();
  if (torchProblem !== undefined) {
    skipped.torch = torchProblem;
  } else {
    const started = await TorchServer.start();
    if (typeof started === 'string') skipped.torch = started;
    else torch = started;
  }

  const rounds: Round[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const results = await measureRound(options, cores, nativeReady, torch, skipped);
      const ratios =
        results.native && results.torch ? ratiosOf(results.native, results.torch) : {};
      rounds.push({ results, ratios });
      process.stderr.write(
        `bench: round ${round} of ${options.rounds} done (${elapsed()})\n`,
      );
    }
  } finally {
    torch?.server.close();
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
