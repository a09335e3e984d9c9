/**
 * Finds the generators saved by a GAN run: `<run>/checkpoints/epoch-NNNN/`
 * folders whose `manifest.json` (written last) shows they are complete and
 * which hold `generator/model.json`. Mid-epoch checkpoints
 * (`epoch-NNNN-step-SSSSSS`) and unfinished temporary folders are skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A complete end-of-epoch checkpoint. */
export interface GeneratorCheckpoint {
  /** Epochs trained when it was saved. */
  epoch: number;
  /** The checkpoint folder. */
  dir: string;
  /** Its `generator/` folder (TF.js model). */
  generatorDir: string;
}

const EPOCH_FOLDER = /^epoch-(\d+)$/;

/**
 * The end-of-epoch checkpoints of `runDir`, by epoch. An absent
 * `checkpoints/` folder gives an empty list.
 *
 * TODO: verify each file's checksum against the manifest, with the training
 * loop's own checkpoint reader, once that reader is on main.
 */
export function listGeneratorCheckpoints(runDir: string): GeneratorCheckpoint[] {
  const root = path.join(runDir, 'checkpoints');
  if (!fs.existsSync(root)) return [];
  const found: GeneratorCheckpoint[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const match = EPOCH_FOLDER.exec(entry.name);
    if (!entry.isDirectory() || match === null) continue;
    const dir = path.join(root, entry.name);
    const generatorDir = path.join(dir, 'generator');
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) continue;
    if (!fs.existsSync(path.join(generatorDir, 'model.json'))) continue;
    found.push({ epoch: Number(match[1]), dir, generatorDir });
  }
  return found.sort((a, b) => a.epoch - b.epoch);
}
