/**
 * Finds the generators saved by a GAN run: the complete end-of-epoch
 * checkpoints under `<run>/checkpoints/` (see `train/checkpoint.ts`).
 * Mid-epoch checkpoints and unfinished temporary folders are skipped; each
 * chosen checkpoint is checked against its manifest before use.
 */
import * as path from 'node:path';

import {
  CHECKPOINTS_DIR,
  listCheckpoints,
  verifyCheckpoint,
} from '../train/checkpoint.js';

/** A complete end-of-epoch checkpoint. */
export interface GeneratorCheckpoint {
  /** Epochs trained when it was saved. */
  epoch: number;
  /** The checkpoint folder. */
  dir: string;
  /** Its `generator/` folder (TF.js model). */
  generatorDir: string;
}

/**
 * The end-of-epoch checkpoints of `runDir`, by epoch. An absent
 * `checkpoints/` folder gives an empty list. Files are not read here; see
 * {@link verifyGeneratorCheckpoint}.
 */
export function listGeneratorCheckpoints(runDir: string): GeneratorCheckpoint[] {
  return listCheckpoints(path.join(runDir, CHECKPOINTS_DIR))
    .filter((entry) => entry.manifest.step === 0)
    .map((entry) => ({
      epoch: entry.manifest.epoch,
      dir: entry.dir,
      generatorDir: path.join(entry.dir, 'generator'),
    }));
}

/**
 * Checks every file of `checkpoint` against the sizes and SHA-256 sums of its
 * manifest; a damaged checkpoint is a one-line `UserError`.
 */
export function verifyGeneratorCheckpoint(checkpoint: GeneratorCheckpoint): void {
  verifyCheckpoint(checkpoint.dir);
}
