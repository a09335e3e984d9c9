/**
 * Builds the native CPU backend (binding.gyp) during `npm install`.
 *
 * Uses the C++ compiler and the Node.js headers already on the machine (the
 * headers that ship beside the node binary), so nothing is downloaded. A
 * failed build never fails the install: the project then runs on wasm, and
 * the reason is kept in build/native-build-failure.txt so the CLI can say
 * why it fell back.
 *
 * Usage: node native/scripts/build-addon.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const failureFile = path.join(root, 'build', 'native-build-failure.txt');

/** The folder holding include/node/node_api.h for this node, if any. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))
    ? prefix
    : undefined;
}

function recordFailure(reason) {
  mkdirSync(path.dirname(failureFile), { recursive: true });
  writeFileSync(failureFile, `${reason}\n`);
  process.stderr.write(
    `mnist-gan: the native backend was not built (${reason}); ` +
      'the wasm backend will be used instead\n',
  );
}

function main() {
  let gypScript;
  try {
    gypScript = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    recordFailure('node-gyp is not installed');
    return;
  }
  const args = [gypScript, 'rebuild'];
  const nodeDir = localNodeDir();
  if (nodeDir !== undefined) args.push(`--nodedir=${nodeDir}`);

  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (result.status === 0) {
    rmSync(failureFile, { force: true });
    return;
  }
  // Keep the compiler's own words: the first error line says most.
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const errorLine =
    output.split('\n').find((line) => /error/i.test(line)) ??
    (result.error
      ? result.error.message
      : `node-gyp exited with status ${result.status}`);
  recordFailure(`node-gyp rebuild failed: ${errorLine.trim()}`);
  process.stderr.write(output.split('\n').slice(-20).join('\n') + '\n');
}

main();
