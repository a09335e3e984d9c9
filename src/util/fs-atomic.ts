/**
 * Atomic file writes: data goes to a temporary file in the same folder, is
 * flushed to disk, then renamed over the target. A reader (or a run killed in
 * the middle) sees either the old file or the new one, never half of one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

function temporaryName(target: string): string {
  counter += 1;
  const base = path.basename(target);
  return path.join(path.dirname(target), `.${base}.${process.pid}.${counter}.tmp`);
}

/**
 * Flushes the entries of folder `dir`, so that a rename inside it survives
 * a power cut and not only a crash. Does nothing where a folder cannot be
 * opened for this (Windows) or the file system refuses.
 */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // The rename itself has happened; only its durability is unconfirmed.
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `target` atomically (write, fsync, rename, fsync folder). */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = temporaryName(target);
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temporary, target);
  fsyncDirectory(path.dirname(target));
}

/** Writes `value` as pretty-printed JSON to `target` atomically. */
export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Renames the folder `from` to `to` after fsyncing its files, replacing `to`
 * if it exists, then fsyncs the parent folder. Used to publish a checkpoint
 * folder in one step.
 */
export function publishDirectory(from: string, to: string): void {
  for (const name of fs.readdirSync(from)) {
    const fd = fs.openSync(path.join(from, name), 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  if (fs.existsSync(to)) {
    const old = `${to}.old-${process.pid}`;
    fs.renameSync(to, old);
    fs.renameSync(from, to);
    fsyncDirectory(path.dirname(to));
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(from, to);
    fsyncDirectory(path.dirname(to));
  }
}
