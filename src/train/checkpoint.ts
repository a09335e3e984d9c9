/**
 * Checkpoints of a GAN run: both networks, both optimizers' state, the
 * random generator's state and the run's progress, in one folder.
 *
 * Layout of `<run>/checkpoints/epoch-0007/`:
 *   generator/      model.json + weights.bin (TF.js format, browser-loadable)
 *   discriminator/  model.json + weights.bin
 *   optimizers.bin  the optimizers' moments, described in state.json
 *   state.json      epoch, step, Random state, progress (see GanRunState)
 *   manifest.json   written last: size and SHA-256 of every other file
 *
 * A checkpoint is written into a hidden temporary folder, which is renamed
 * into place only after its manifest is on disk. A run killed at any moment
 * therefore leaves either a complete checkpoint or a temporary folder that
 * no reader mistakes for one; readers also recheck every size and checksum,
 * so a damaged checkpoint is refused instead of half-loaded.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { loadModel, saveModel } from '../models/io.js';
import { UserError } from '../util/errors.js';
import { publishDirectory, writeFileAtomic, writeJsonAtomic } from '../util/fs-atomic.js';
import type { RandomState } from '../util/random.js';
import {
  captureOptimizerState,
  restoreOptimizerState,
  type OptimizerState,
} from './optimizer-state.js';

/** Format tag in every manifest. */
export const CHECKPOINT_FORMAT = 'mnist-gan-checkpoint';
/** Version of the layout above; readers refuse others. */
export const CHECKPOINT_VERSION = 1;
/** Folder of a run holding its checkpoints. */
export const CHECKPOINTS_DIR = 'checkpoints';

const MANIFEST = 'manifest.json';
const STATE = 'state.json';
const OPTIMIZERS = 'optimizers.bin';
const TEMPORARY_PREFIX = '.partial-';

/** One file of a checkpoint as the manifest records it. */
export interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}

/** The manifest: what a complete checkpoint holds. */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  complete: true;
  /** Epochs fully trained. */
  epoch: number;
  /** Steps trained of the next epoch (0 unless saved mid-epoch). */
  step: number;
  files: ManifestEntry[];
}

/** What a checkpoint stores besides the networks and optimizers. */
export interface CheckpointState<Progress> {
  epoch: number;
  step: number;
  random: RandomState;
  optimizers: { discriminator: OptimizerState; generator: OptimizerState };
  /** The training loop's own record (configuration, metrics so far...). */
  progress: Progress;
}

/** Everything needed to write a checkpoint. */
export interface CheckpointContents<Progress> {
  epoch: number;
  step: number;
  random: RandomState;
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
  dOptimizer: tf.Optimizer;
  gOptimizer: tf.Optimizer;
  progress: Progress;
}

/** A complete checkpoint found on disk. */
export interface CheckpointEntry {
  dir: string;
  manifest: CheckpointManifest;
}

/**
 * Name of a checkpoint folder: `epoch-0007` at the end of epoch 7, or
 * `epoch-0007-step-000120` when saved 120 steps into epoch 8.
 */
export function checkpointName(epoch: number, step: number): string {
  const base = `epoch-${String(epoch).padStart(4, '0')}`;
  return step === 0 ? base : `${base}-step-${String(step).padStart(6, '0')}`;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

function filesUnder(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...filesUnder(dir, relative));
    else found.push(relative);
  }
  return found.sort();
}

/**
 * Writes a checkpoint into `checkpointsDir` and returns its folder. Nothing
 * appears under the final name until every file and the manifest are on
 * disk.
 */
export async function writeCheckpoint<Progress>(
  checkpointsDir: string,
  contents: CheckpointContents<Progress>,
): Promise<string> {
  const name = checkpointName(contents.epoch, contents.step);
  const final = path.join(checkpointsDir, name);
  const temporary = path.join(
    checkpointsDir,
    `${TEMPORARY_PREFIX}${name}-${process.pid}`,
  );
  fs.rmSync(temporary, { recursive: true, force: true });
  fs.mkdirSync(temporary, { recursive: true });

  await saveModel(contents.generator, path.join(temporary, 'generator'));
  await saveModel(contents.discriminator, path.join(temporary, 'discriminator'));

  const chunks: Uint8Array[] = [];
  const d = await captureOptimizerState(contents.dOptimizer, chunks, 0);
  const g = await captureOptimizerState(contents.gOptimizer, chunks, d.end);
  writeFileAtomic(path.join(temporary, OPTIMIZERS), Buffer.concat(chunks));

  const state: CheckpointState<Progress> = {
    epoch: contents.epoch,
    step: contents.step,
    random: contents.random,
    optimizers: { discriminator: d.state, generator: g.state },
    progress: contents.progress,
  };
  writeJsonAtomic(path.join(temporary, STATE), state);

  // The manifest comes last: its presence is what makes the folder a
  // checkpoint, and its checksums cover every byte written before it.
  const files = filesUnder(temporary).map((relative) => {
    const bytes = fs.readFileSync(path.join(temporary, relative));
    return { path: relative, bytes: bytes.byteLength, sha256: sha256(bytes) };
  });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    complete: true,
    epoch: contents.epoch,
    step: contents.step,
    files,
  };
  writeJsonAtomic(path.join(temporary, MANIFEST), manifest);
  publishDirectory(temporary, final);
  return final;
}

function corrupt(dir: string, detail: string): UserError {
  return new UserError('CHECKPOINT_CORRUPT', `reading checkpoint "${dir}": ${detail}`);
}

function readManifest(dir: string): CheckpointManifest {
  const file = path.join(dir, MANIFEST);
  let manifest: Partial<CheckpointManifest>;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no manifest.json (the checkpoint was never completed)'
        : `manifest.json is not valid JSON (${(error as Error).message})`;
    throw corrupt(dir, reason);
  }
  if (manifest.format !== CHECKPOINT_FORMAT || manifest.version !== CHECKPOINT_VERSION) {
    throw corrupt(
      dir,
      `expected format "${CHECKPOINT_FORMAT}" version ${CHECKPOINT_VERSION}, ` +
        `found "${manifest.format}" version ${manifest.version}`,
    );
  }
  if (
    manifest.complete !== true ||
    !Array.isArray(manifest.files) ||
    !Number.isInteger(manifest.epoch) ||
    !Number.isInteger(manifest.step)
  ) {
    throw corrupt(dir, 'manifest.json lacks "complete", "epoch", "step" or "files"');
  }
  return manifest as CheckpointManifest;
}

/**
 * Checks that `dir` is a complete checkpoint whose files all have the size
 * and checksum its manifest records. Returns the manifest; throws a one-line
 * {@link UserError} naming the first problem otherwise.
 */
export function verifyCheckpoint(dir: string): CheckpointManifest {
  const manifest = readManifest(dir);
  const required = [
    STATE,
    OPTIMIZERS,
    'generator/model.json',
    'discriminator/model.json',
  ];
  for (const name of required) {
    if (!manifest.files.some((entry) => entry.path === name)) {
      throw corrupt(dir, `manifest.json does not list "${name}"`);
    }
  }
  for (const entry of manifest.files) {
    const file = path.join(dir, entry.path);
    if (!fs.existsSync(file)) throw corrupt(dir, `missing file "${entry.path}"`);
    const bytes = fs.readFileSync(file);
    if (bytes.byteLength !== entry.bytes) {
      throw corrupt(
        dir,
        `"${entry.path}" has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`,
      );
    }
    if (sha256(bytes) !== entry.sha256) {
      throw corrupt(dir, `"${entry.path}" does not match its SHA-256 in the manifest`);
    }
  }
  return manifest;
}

/**
 * The checkpoints in `checkpointsDir` that have a manifest, oldest first
 * (by epoch, then step). Temporary folders of unfinished writes are skipped;
 * files are not rechecked here (see {@link verifyCheckpoint}).
 */
export function listCheckpoints(checkpointsDir: string): CheckpointEntry[] {
  if (!fs.existsSync(checkpointsDir)) return [];
  const entries: CheckpointEntry[] = [];
  for (const entry of fs.readdirSync(checkpointsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('epoch-')) continue;
    const dir = path.join(checkpointsDir, entry.name);
    if (!fs.existsSync(path.join(dir, MANIFEST))) continue;
    entries.push({ dir, manifest: readManifest(dir) });
  }
  return entries.sort(
    (a, b) => a.manifest.epoch - b.manifest.epoch || a.manifest.step - b.manifest.step,
  );
}

/** Removes temporary folders left by writes that never finished. */
export function removeUnfinishedCheckpoints(checkpointsDir: string): string[] {
  if (!fs.existsSync(checkpointsDir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(checkpointsDir)) {
    if (!name.startsWith(TEMPORARY_PREFIX) && !/\.old-\d+$/.test(name)) continue;
    fs.rmSync(path.join(checkpointsDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Deletes complete checkpoints except the newest `keepLatest` and those for
 * which `keep` returns true. Mid-epoch checkpoints older than the newest
 * checkpoint are always deleted: a later one supersedes them.
 */
export function pruneCheckpoints(
  checkpointsDir: string,
  keepLatest: number,
  keep: (manifest: CheckpointManifest) => boolean,
): string[] {
  const entries = listCheckpoints(checkpointsDir);
  const removed: string[] = [];
  entries.forEach((entry, index) => {
    const isLatest = index >= entries.length - keepLatest;
    const isMidEpoch = entry.manifest.step !== 0;
    const isNewest = index === entries.length - 1;
    if (isNewest || (!isMidEpoch && (isLatest || keep(entry.manifest)))) return;
    fs.rmSync(entry.dir, { recursive: true, force: true });
    removed.push(entry.dir);
  });
  return removed;
}

/** A checkpoint read back: networks, state, and a way to restore optimizers. */
export interface LoadedCheckpoint<Progress> {
  dir: string;
  manifest: CheckpointManifest;
  state: CheckpointState<Progress>;
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
  /** Restores the saved optimizer states into fresh optimizers. */
  restoreOptimizers(dOptimizer: tf.Optimizer, gOptimizer: tf.Optimizer): Promise<void>;
}

/**
 * Verifies and loads the checkpoint in `dir`. Any mismatch with the
 * manifest is a one-line {@link UserError}.
 */
export async function readCheckpoint<Progress>(
  dir: string,
): Promise<LoadedCheckpoint<Progress>> {
  const manifest = verifyCheckpoint(dir);
  let state: CheckpointState<Progress>;
  try {
    state = JSON.parse(fs.readFileSync(path.join(dir, STATE), 'utf8'));
  } catch (error) {
    throw corrupt(dir, `state.json is not valid JSON (${(error as Error).message})`);
  }
  if (state.epoch !== manifest.epoch || state.step !== manifest.step) {
    throw corrupt(
      dir,
      `state.json is at epoch ${state.epoch} step ${state.step}, ` +
        `the manifest at epoch ${manifest.epoch} step ${manifest.step}`,
    );
  }
  const optimizerBytes = new Uint8Array(fs.readFileSync(path.join(dir, OPTIMIZERS)));
  const generator = await loadModel(path.join(dir, 'generator'));
  const discriminator = await loadModel(path.join(dir, 'discriminator'));
  return {
    dir,
    manifest,
    state,
    generator,
    discriminator,
    async restoreOptimizers(dOptimizer, gOptimizer) {
      try {
        const { discriminator: d, generator: g } = state.optimizers;
        await restoreOptimizerState(
          dOptimizer,
          d,
          optimizerBytes,
          'discriminator optimizer',
        );
        await restoreOptimizerState(gOptimizer, g, optimizerBytes, 'generator optimizer');
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw corrupt(dir, (error as Error).message);
      }
    },
  };
}
