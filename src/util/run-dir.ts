/**
 * The run folder every command writes into: resolved configuration, metrics
 * as JSON lines, images and charts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeJsonAtomic } from './fs-atomic.js';

/** `runs/<command>-YYYYMMDD-HHMMSS` under the current folder. */
export function defaultRunDir(command: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return path.join('runs', `${command}-${stamp}`);
}

/** Creates `dir` (and parents) and returns it. */
export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes `config.json` into the run folder. */
export function writeConfig(dir: string, config: object): void {
  writeJsonAtomic(path.join(dir, 'config.json'), config);
}

/**
 * Appends one JSON line to `metrics.jsonl`. Each line is one `write` call, so
 * a crash can at worst leave a partial last line, which
 * {@link readMetrics} skips.
 */
export function appendMetric(dir: string, record: object, file = 'metrics.jsonl'): void {
  fs.appendFileSync(path.join(dir, file), JSON.stringify(record) + '\n');
}

/** Reads the complete lines of a JSON-lines file; a torn last line is ignored. */
export function readMetrics<T = Record<string, unknown>>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const records: T[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      // A line cut short by a crash; everything before it is intact.
    }
  }
  return records;
}
