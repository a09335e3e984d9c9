/**
 * Saving and restoring an optimizer's state as bytes, so a resumed run
 * continues with exactly the moments it had.
 *
 * The state is the optimizer's `getWeights()` list (for Adam: iterations,
 * then each variable's first moment, then each second moment), plus Adam's
 * running bias-correction products when the optimizer has them. Those
 * products matter for exact resumption: `setWeights` recomputes them as
 * `pow(beta, t)`, which in float32 differs in the last bits from the running
 * product `beta * beta * ...` kept during training (for beta2 = 0.999 it
 * differs at about half of the first 40 steps), so a resumed run would drift
 * away from an uninterrupted one. Restoring the saved products keeps the two
 * bit-identical.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Where one saved tensor lies in the state bytes. */
export interface SavedTensorSpec {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  /** Byte offset into the state bytes. */
  offset: number;
}

/** An optimizer's state: a description (JSON) and the values (bytes). */
export interface OptimizerState {
  /** The `getWeights()` entries, in order. */
  weights: SavedTensorSpec[];
  /** Extra variables restored after `setWeights` (Adam's beta products). */
  extras: SavedTensorSpec[];
}

/**
 * Fields of tf.train.adam holding beta1^t and beta2^t as variables. Another
 * optimizer without them is saved through `getWeights()` alone.
 */
const EXACT_EXTRA_FIELDS = ['accBeta1', 'accBeta2'] as const;

function extraVariables(optimizer: tf.Optimizer): Array<[string, tf.Variable]> {
  const fields = optimizer as unknown as Record<string, unknown>;
  const found: Array<[string, tf.Variable]> = [];
  for (const name of EXACT_EXTRA_FIELDS) {
    const value = fields[name];
    if (value instanceof tf.Variable) found.push([name, value]);
  }
  return found;
}

/**
 * Reads `optimizer`'s state and appends its values to `chunks`, starting at
 * byte `offset`. Returns the description and the offset after the values.
 */
export async function captureOptimizerState(
  optimizer: tf.Optimizer,
  chunks: Uint8Array[],
  offset: number,
): Promise<{ state: OptimizerState; end: number }> {
  const named = await optimizer.getWeights();
  let end = offset;
  const describe = async (name: string, tensor: tf.Tensor): Promise<SavedTensorSpec> => {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new Error(
        `saving optimizer state: expected float32 or int32 tensors, "${name}" is ${tensor.dtype}`,
      );
    }
    const values = await tensor.data();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(bytes.slice());
    const spec = { name, dtype: tensor.dtype, shape: tensor.shape, offset: end };
    end += bytes.byteLength;
    return spec;
  };
  const weights: SavedTensorSpec[] = [];
  for (const { name, tensor } of named) weights.push(await describe(name, tensor));
  const extras: SavedTensorSpec[] = [];
  for (const [name, variable] of extraVariables(optimizer)) {
    extras.push(await describe(name, variable));
  }
  // getWeights() builds a fresh tensor for the iteration count; the moments
  // are the optimizer's own variables and must stay alive.
  tf.dispose(
    named.filter(({ tensor }) => !(tensor instanceof tf.Variable)).map((n) => n.tensor),
  );
  return { state: { weights, extras }, end };
}

function tensorAt(spec: SavedTensorSpec, bytes: Uint8Array, what: string): tf.Tensor {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const byteLength = size * 4;
  if (spec.offset < 0 || spec.offset + byteLength > bytes.byteLength) {
    throw new Error(
      `${what}: "${spec.name}" needs bytes ${spec.offset} to ${spec.offset + byteLength}, ` +
        `the state holds ${bytes.byteLength}`,
    );
  }
  // Copy into a fresh, aligned buffer: the offset may not be a multiple of 4.
  const copy = bytes.slice(spec.offset, spec.offset + byteLength).buffer;
  const values = spec.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
  return tf.tensor(values, spec.shape, spec.dtype);
}

/**
 * Restores a state captured by {@link captureOptimizerState} into a fresh
 * optimizer of the same kind, built for the same variables in the same
 * order. `what` names the source in error messages.
 */
export async function restoreOptimizerState(
  optimizer: tf.Optimizer,
  state: OptimizerState,
  bytes: Uint8Array,
  what: string,
): Promise<void> {
  const named = state.weights.map((spec) => ({
    name: spec.name,
    tensor: tensorAt(spec, bytes, what),
  }));
  await optimizer.setWeights(named);
  // setWeights turned the tensors into variables that share their storage,
  // so dropping these handles frees nothing the optimizer needs.
  tf.dispose(named.map((n) => n.tensor));
  const variables = new Map(extraVariables(optimizer));
  for (const spec of state.extras) {
    const variable = variables.get(spec.name);
    if (variable === undefined) {
      throw new Error(
        `${what}: the saved state has "${spec.name}" but this optimizer has no such variable`,
      );
    }
    const value = tensorAt(spec, bytes, what);
    variable.assign(value);
    value.dispose();
  }
}
