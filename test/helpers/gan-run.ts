/**
 * Tiny GAN runs for tests: a synthetic 32-image training set, batch 16 (two
 * steps an epoch), and helpers to compare what two runs saved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { resolveGanConfig, type GanTrainConfig } from '../../src/train/gan-config.js';
import { writeSyntheticDataset } from './dataset.js';

/** Writes the synthetic data set into `dir/data` and returns the run config. */
export function tinyGanConfig(
  dir: string,
  overrides: Partial<GanTrainConfig> = {},
): GanTrainConfig {
  const dataDir = path.join(dir, 'data');
  if (!fs.existsSync(dataDir)) writeSyntheticDataset(dataDir, 32, 10);
  return resolveGanConfig({
    epochs: 3,
    batchSize: 16,
    sampleEvery: 2,
    backend: 'wasm',
    dataDir,
    ...overrides,
  });
}

/** Files whose bytes decide whether two checkpoints hold the same state. */
const STATE_FILES = [
  'generator/weights.bin',
  'discriminator/weights.bin',
  'optimizers.bin',
];

/** The weights, optimizer state and Random state of a checkpoint folder. */
export function checkpointFingerprint(dir: string): Record<string, string> {
  const fingerprint: Record<string, string> = {};
  for (const name of STATE_FILES) {
    fingerprint[name] = fs.readFileSync(path.join(dir, name)).toString('base64');
  }
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  fingerprint.random = JSON.stringify(state.random);
  return fingerprint;
}

/** Asserts that two checkpoints hold byte-identical state, naming the first difference. */
export function sameState(a: string, b: string): string | undefined {
  const left = checkpointFingerprint(a);
  const right = checkpointFingerprint(b);
  for (const key of Object.keys(left)) {
    if (left[key] !== right[key]) return key;
  }
  return undefined;
}

/** Metrics lines without the timing fields, which differ from run to run. */
export function lossesOf(runDir: string): unknown[] {
  return fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const { epoch, dLoss, gLoss, dReal, dFake } = JSON.parse(line);
      return { epoch, dLoss, gLoss, dReal, dFake };
    });
}
