/**
 * Adam with a fused update: on the native backend each variable is updated
 * in one pass over its value, gradient and two moments (the
 * `MnistGanFusedAdam` kernel); on other backends the same arithmetic runs
 * as TF.js ops.
 *
 * The numbers are those of `tf.train.adam`: the same float operations in the
 * same order, the same rounding of the scalars (beta1^t is kept as a float32
 * product, as TF.js keeps it in a float32 variable), and the same state
 * layout in `getWeights()`/`setWeights()` (the iteration count, then every
 * variable's first moment `<name>/m`, then every second moment `<name>/v`),
 * so a checkpoint written by either optimizer restores into the other.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { FUSED_ADAM_KERNEL, FUSED_ADAM_SCALARS } from '../backend/native-kernels/adam.js';

/** Hyper-parameters of {@link createAdam}. */
export interface AdamOptions {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the first-moment estimate. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate. Default 0.999. */
  beta2?: number;
  /** Added to the root of the second moment. Default 1e-7 (Keras'). */
  epsilon?: number;
}

const DEFAULTS: Required<AdamOptions> = {
  learningRate: 0.001,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
};

const f32 = Math.fround;

/** A named tensor of an optimizer's state (not exported by tfjs-core). */
type NamedTensor = Awaited<ReturnType<tf.Optimizer['saveIterations']>>;

interface Moment {
  originalName: string;
  variable: tf.Variable;
}

/** Adam whose update is one fused kernel where the backend has it. */
export class FusedAdamOptimizer extends tf.Optimizer {
  /** Serialisation name; the same as TF.js's Adam, whose state it shares. */
  static get className(): string {
    return 'Adam';
  }

  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  // beta^t as the float32 values TF.js's optimizer would hold.
  private accBeta1: number;
  private accBeta2: number;
  private firstMoments: Moment[] = [];
  private secondMoments: Moment[] = [];

  constructor(options: Required<AdamOptions>) {
    super();
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1;
    this.beta2 = options.beta2;
    this.epsilon = options.epsilon;
    this.accBeta1 = f32(options.beta1);
    this.accBeta2 = f32(options.beta2);
  }

  /** Applies one Adam step to the variables named in `variableGradients`. */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((entry) => entry.name)
      : Object.keys(variableGradients);
    const fused = tf.getKernel(FUSED_ADAM_KERNEL, tf.getBackend()) !== undefined;
    // Each scalar rounded to float32 where TF.js's Adam rounds it.
    const scalars: Record<(typeof FUSED_ADAM_SCALARS)[number], number> = {
      beta1: f32(this.beta1),
      oneMinusBeta1: f32(1 - this.beta1),
      beta2: f32(this.beta2),
      oneMinusBeta2: f32(1 - this.beta2),
      oneMinusAccBeta1: f32(1 - this.accBeta1),
      oneMinusAccBeta2: f32(1 - this.accBeta2),
      epsilon: f32(this.epsilon),
      negativeLearningRate: f32(-this.learningRate),
    };

    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) {
        throw new Error(`Adam: variable "${name}" is not registered`);
      }
      this.firstMoments[i] ??= this.zeroMoment(value, `${name}/m`);
      this.secondMoments[i] ??= this.zeroMoment(value, `${name}/v`);
      const gradient = Array.isArray(variableGradients)
        ? variableGradients[i].tensor
        : variableGradients[name];
      if (gradient == null) return;
      const m = this.firstMoments[i].variable;
      const v = this.secondMoments[i].variable;
      if (fused && value.dtype === 'float32') {
        this.fusedUpdate(value, m, v, gradient, scalars);
      } else {
        this.opsUpdate(value, m, v, gradient, scalars);
      }
    });

    this.accBeta1 = f32(this.accBeta1 * f32(this.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.beta2));
    this.incrementIterations();
  }

  private zeroMoment(value: tf.Variable, originalName: string): Moment {
    const trainable = false;
    return {
      originalName,
      variable: tf.tidy(() => tf.zerosLike(value).variable(trainable)),
    };
  }

  /** One kernel call, writing value, m and v in place. */
  private fusedUpdate(
    value: tf.Variable,
    m: tf.Variable,
    v: tf.Variable,
    gradient: tf.Tensor,
    scalars: Record<string, number>,
  ): void {
    for (const variable of [value, m, v]) ensureExclusive(variable);
    tf.engine().runKernel(FUSED_ADAM_KERNEL, { value, m, v, gradient }, scalars);
  }

  /** The same arithmetic as TF.js's AdamOptimizer, as ops. */
  private opsUpdate(
    value: tf.Variable,
    m: tf.Variable,
    v: tf.Variable,
    gradient: tf.Tensor,
    s: Record<string, number>,
  ): void {
    tf.tidy(() => {
      const newM = tf.add(tf.mul(m, s.beta1), tf.mul(gradient, s.oneMinusBeta1));
      const newV = tf.add(
        tf.mul(v, s.beta2),
        tf.mul(tf.square(gradient), s.oneMinusBeta2),
      );
      const mHat = tf.div(newM, s.oneMinusAccBeta1);
      const vHat = tf.div(newV, s.oneMinusAccBeta2);
      m.assign(newM);
      v.assign(newV);
      const step = tf.div(mHat, tf.add(tf.sqrt(vHat), s.epsilon));
      value.assign(tf.add(tf.mul(step, s.negativeLearningRate), value));
    });
  }

  /** Frees the moment estimates. */
  dispose(): void {
    tf.dispose(this.firstMoments.map((moment) => moment.variable));
    tf.dispose(this.secondMoments.map((moment) => moment.variable));
    this.firstMoments = [];
    this.secondMoments = [];
  }

  /** The state: iterations, then every first moment, then every second. */
  async getWeights(): Promise<NamedTensor[]> {
    const moments = [...this.firstMoments, ...this.secondMoments];
    return [
      await this.saveIterations(),
      ...moments.map((moment) => ({
        name: moment.originalName,
        tensor: moment.variable,
      })),
    ];
  }

  /** Restores a state written by {@link getWeights} or by tf.train.adam. */
  async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const moments = await this.extractIterations(weightValues);
    if (moments.length % 2 !== 0) {
      throw new Error(
        `Adam.setWeights: expected the iteration count and pairs of moments, ` +
          `got ${weightValues.length} tensors`,
      );
    }
    // TF.js recomputes beta^(t+1) with pow rather than replaying products.
    this.accBeta1 = f32(Math.pow(f32(this.beta1), f32(this.iterations_ + 1)));
    this.accBeta2 = f32(Math.pow(f32(this.beta2), f32(this.iterations_ + 1)));
    const count = moments.length / 2;
    const trainable = false;
    const toMoment = (entry: NamedTensor): Moment => ({
      originalName: entry.name,
      variable: entry.tensor.variable(trainable),
    });
    const previous = [...this.firstMoments, ...this.secondMoments];
    this.firstMoments = moments.slice(0, count).map(toMoment);
    this.secondMoments = moments.slice(count).map(toMoment);
    tf.dispose(previous.map((moment) => moment.variable));
  }

  /** The hyper-parameters, as TF.js's Adam reports them. */
  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }
}

/**
 * Makes `variable` the only holder of its buffer, so the fused kernel may
 * write it in place. A variable shares its buffer after being created from,
 * or assigned, a tensor that is still alive elsewhere; it then gets a copy.
 */
function ensureExclusive(variable: tf.Variable): void {
  const backend = tf.backend() as MathBackendCPU;
  if (backend.refCount(variable.dataId) <= 1) return;
  const copy = tf.tidy(() => tf.mul(variable, 1));
  variable.assign(copy);
  copy.dispose();
}

/**
 * Creates an Adam optimizer (defaults: learning rate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7) that gives the same results as
 * `tf.train.adam` with the same arguments, faster on the native backend.
 *
 * @example
 * const optimizer = createAdam({ learningRate: 2e-4, beta1: 0.5 });
 * optimizer.minimize(() => loss(), false, variables);
 */
export function createAdam(options: AdamOptions = {}): FusedAdamOptimizer {
  const resolved = { ...DEFAULTS, ...options };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value)) {
      throw new RangeError(`createAdam: expected a finite ${key}, got ${value}`);
    }
  }
  return new FusedAdamOptimizer(resolved);
}
