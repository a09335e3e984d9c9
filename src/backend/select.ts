/**
 * Chooses and initialises the TF.js backend.
 *
 * `auto` prefers `@tensorflow/tfjs-node` when a user has installed it, then
 * the project's own native CPU backend, then wasm. Whatever is chosen is
 * reported with the reason, so a slow fallback is never silent.
 */
import * as tf from '@tensorflow/tfjs-core';

import { UserError } from '../util/errors.js';
import { loadNativeBackend } from './native.js';

export const BACKEND_NAMES = ['auto', 'native', 'wasm', 'cpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  /** Backend now active in TF.js. */
  name: string;
  /** One line on why it was chosen, e.g. what auto fell back from. */
  reason: string;
}

async function tryTensorflow(): Promise<string | undefined> {
  try {
    // The package name is in a variable so TypeScript does not need it
    // installed; it is an optional, user-provided dependency.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return (await tf.setBackend('tensorflow'))
      ? undefined
      : 'tfjs-node failed to initialise';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      return '@tensorflow/tfjs-node is not installed';
    }
    return `@tensorflow/tfjs-node failed to load (${firstLine(error)})`;
  }
}

async function tryNative(): Promise<string | undefined> {
  const result = await loadNativeBackend();
  if (!result.ok) return result.reason;
  return (await tf.setBackend('native'))
    ? undefined
    : 'the native backend failed to initialise';
}

async function tryWasm(): Promise<string | undefined> {
  await import('@tensorflow/tfjs-backend-wasm');
  return (await tf.setBackend('wasm'))
    ? undefined
    : 'the wasm backend failed to initialise';
}

async function tryCpu(): Promise<string | undefined> {
  await import('@tensorflow/tfjs-backend-cpu');
  const ok = await tf.setBackend('cpu');
  if (!ok) return 'the cpu backend failed to initialise';
  silenceNodeHint();
  return undefined;
}

/**
 * The cpu backend prints a multi-line hint to install tfjs-node on first use;
 * the CLI already reports the backend it chose, so the hint is switched off.
 */
function silenceNodeHint(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if ('firstUse' in backend) backend.firstUse = false;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

const ATTEMPTS: Record<
  Exclude<BackendName, 'auto'>,
  () => Promise<string | undefined>
> = {
  tensorflow: tryTensorflow,
  native: tryNative,
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Activates `requested`. An explicit name that cannot start is a
 * {@link UserError}; `auto` walks tensorflow, native, wasm and reports why it
 * skipped each.
 */
export async function initBackend(
  requested: BackendName = 'auto',
): Promise<BackendChoice> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new UserError(
      'BAD_BACKEND',
      `--backend: expected one of ${BACKEND_NAMES.join(', ')}, got "${requested}"`,
    );
  }
  if (requested !== 'auto') {
    const failure = await ATTEMPTS[requested]();
    if (failure !== undefined) {
      throw new UserError('BACKEND_UNAVAILABLE', `--backend ${requested}: ${failure}`);
    }
    return { name: requested, reason: 'requested' };
  }
  const skipped: string[] = [];
  for (const name of ['tensorflow', 'native', 'wasm'] as const) {
    const failure = await ATTEMPTS[name]();
    if (failure === undefined) {
      const reason = skipped.length === 0 ? 'auto' : `auto; ${skipped.join('; ')}`;
      return { name, reason };
    }
    skipped.push(`${name}: ${failure}`);
  }
  throw new UserError(
    'BACKEND_UNAVAILABLE',
    `no backend could start: ${skipped.join('; ')}`,
  );
}
