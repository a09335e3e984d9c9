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
  /**
   * Adam's beta products, restored after `setWeights`: a scalar variable
   * (tf.train.adam) or a plain number (the project's fused Adam), by field
   * name. JSON keeps a number exactly.
   */
  products: Record<string, number>;
}

/**
 * Fields holding beta1^t and beta2^t, as tf.train.adam and the project's
 * `createAdam` both name them. An optimizer without them is saved through
 * `getWeights()` alone.
 */
const PRODUCT_FIELDS = ['accBeta1', 'accBeta2'] as const;

function fieldsOf(optimizer: tf.Optimizer): Record<string, unknown> {
  return optimizer as unknown as Record<string, unknown>;
}

async function readProducts(optimizer: tf.Optimizer): Promise<Record<string, number>> {
  const products: Record<string, number> = {};
  for (const name of PRODUCT_FIELDS) {
    const value = fieldsOf(optimizer)[name];
    if (value instanceof tf.Variable) products[name] = (await value.data())[0];
    else if (typeof value === 'number') products[name] = value;
  }
  return products;
}

function writeProducts(
  optimizer: tf.Optimizer,
  products: Record<string, number>,
  what: string,
): void {
  const fields = fieldsOf(optimizer);
  for (const [name, saved] of Object.entries(products)) {
    const current = fields[name];
    if (current instanceof tf.Variable) {
      const value = tf.scalar(saved, current.dtype);
      current.assign(value);
      value.dispose();
    } else if (typeof current === 'number') {
      fields[name] = saved;
    } else {
      throw new Error(
        `${what}: the saved state has "${name}" but this optimizer has no such field`,
      );
    }
  }
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
  const weights: SavedTensorSpec[] = [];
  for (const { name, tensor } of named) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new Error(
        `saving optimizer state: expected float32 or int32 tensors, "${name}" is ${tensor.dtype}`,
      );
    }
    const values = await tensor.data();
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(bytes.slice());
    weights.push({ name, dtype: tensor.dtype, shape: tensor.shape, offset: end });
    end += bytes.byteLength;
  }
  // getWeights() builds a fresh tensor for the iteration count; the moments
  // are the optimizer's own variables and must stay alive.
  tf.dispose(
    named.filter(({ tensor }) => !(tensor instanceof tf.Variable)).map((n) => n.tensor),
  );
  return { state: { weights, products: await readProducts(optimizer) }, end };
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
  writeProducts(optimizer, state.products ?? {}, what);
}
