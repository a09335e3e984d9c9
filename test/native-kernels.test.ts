/**
 * Every native kernel against TF.js's cpu kernel on the same inputs:
 * random values, broadcasting shapes, every transpose, NaN and infinities,
 * empty and odd sizes. Each test reports its largest difference (relative
 * to max(1, |expected|)).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import { setNativeIsa, nativeHasAvx2 } from '../src/backend/native.js';
import { broadcastPlan } from '../src/backend/native-kernels/elementwise.js';
import { reductionLayout } from '../src/backend/native-kernels/reduce.js';
import { dense, denseLeakyRelu, denseLeakyReluDropout } from '../src/models/dense.js';
import {
  compareWithCpu,
  largestDifference,
  nativeSkipReason,
  randomValues,
  runOn,
  useBackend,
  valuesWithSpecials,
} from './helpers/native.js';

const skip = await nativeSkipReason();

// Float kernels agree with cpu to a few float32 ulps: sums run in another
// order (blocked products) and transcendental functions come from libm
// rather than V8.
const TOLERANCE = 1e-5;
// Products sum K terms in a different order than the cpu kernel; the
// rounding error of a K-term float32 sum grows like K * 2^-24 (relative to
// the terms, which are at most 1 here), so the bound is K * 2^-23.
const MATMUL_TOLERANCE = 1e-5;
function sumTolerance(k: number): number {
  return Math.max(MATMUL_TOLERANCE, k * 2 ** -23);
}

function tensor(shape: number[], seed: number, specials = false): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    specials ? valuesWithSpecials(size, seed) : randomValues(size, seed),
    shape,
  );
}

const ISAS =
  skip === false && nativeHasAvx2()
    ? (['avx2', 'portable'] as const)
    : (['portable'] as const);

describe('native backend kernels', { skip }, () => {
  after(() => {
    if (skip === false) setNativeIsa(nativeHasAvx2() ? 'avx2' : 'portable');
  });

  for (const isa of ISAS) {
    it(`BatchMatMul() matches cpu for every transpose and odd size (${isa})`, async (t) => {
      assert.ok(setNativeIsa(isa));
      let largest = 0;
      // Sizes straddle the micro-tile (6 x 16) and the K block (256); the
      // last two are large enough to be cut between threads, by columns
      // and by rows, with partial tiles at the cut.
      const shapes = [
        [1, 1, 1],
        [5, 3, 7],
        [6, 16, 16],
        [13, 257, 33],
        [150, 40, 17],
        [64, 300, 100],
        [200, 300, 250],
        [250, 70, 130],
      ];
      for (const [m, k, n] of shapes) {
        for (const transposeA of [false, true]) {
          for (const transposeB of [false, true]) {
            const difference = await compareWithCpu(() => {
              const a = tensor(transposeA ? [k, m] : [m, k], m + k);
              const b = tensor(transposeB ? [n, k] : [k, n], n * 7 + k);
              return tf.matMul(a, b, transposeA, transposeB);
            });
            assert.ok(
              difference <= sumTolerance(k),
              `${m}x${k}x${n} transposeA=${transposeA} transposeB=${transposeB}: ${difference}`,
            );
            largest = Math.max(largest, difference);
          }
        }
      }
      t.diagnostic(`largest difference ${largest.toExponential(2)}`);
    });
  }

  it('BatchMatMul() broadcasts batches and handles empty operands', async (t) => {
    let largest = 0;
    const cases: [number[], number[]][] = [
      [
        [3, 4, 5],
        [5, 6],
      ],
      [
        [4, 5],
        [2, 5, 7],
      ],
      [
        [2, 3, 4, 5],
        [2, 3, 5, 2],
      ],
      [
        [0, 5],
        [5, 3],
      ],
      [
        [4, 0],
        [0, 3],
      ],
    ];
    for (const [aShape, bShape] of cases) {
      const difference = await compareWithCpu(() =>
        tf.matMul(tensor(aShape, 1), tensor(bShape, 2)),
      );
      assert.ok(difference <= MATMUL_TOLERANCE, `${aShape} x ${bShape}: ${difference}`);
      largest = Math.max(largest, difference);
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('_FusedMatMul() fuses bias and every activation, NaN and infinity included', async (t) => {
    let largest = 0;
    const activations = [
      'linear',
      'relu',
      'relu6',
      'leakyrelu',
      'sigmoid',
      'elu',
      'prelu',
    ] as const;
    for (const activation of activations) {
      // 21 columns: one whole 16-wide tile (the vector output stage) and
      // a partial one (the scalar stage).
      for (const biasShape of [[21], [7, 1], [1]]) {
        const difference = await compareWithCpu(() => {
          // Specials in a make some outputs NaN or infinite.
          const a = tensor([7, 11], 3, true);
          const b = tensor([11, 21], 4);
          return tf.fused.matMul({
            a,
            b,
            bias: tensor(biasShape, 5),
            activation,
            preluActivationWeights: activation === 'prelu' ? tensor([21], 6) : undefined,
            leakyreluAlpha: 0.3,
          });
        });
        assert.ok(
          difference <= MATMUL_TOLERANCE,
          `${activation} bias ${biasShape}: ${difference}`,
        );
        largest = Math.max(largest, difference);
      }
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('_FusedMatMul() gradients match cpu for a, b and bias', async (t) => {
    let largest = 0;
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      for (const activation of ['linear', 'relu'] as const) {
        const difference = await compareWithCpu(() => {
          const a = tensor(transposeA ? [20, 13] : [13, 20], 7);
          const b = tensor(transposeB ? [30, 20] : [20, 30], 8);
          const bias = tensor([30], 9);
          const weights = tensor([13, 30], 10);
          const grads = tf.grads((x, y, z) =>
            tf.sum(
              tf.mul(
                tf.fused.matMul({
                  a: x,
                  b: y,
                  bias: z,
                  transposeA,
                  transposeB,
                  activation,
                }),
                weights,
              ),
            ),
          );
          return grads([a, b, bias]);
        });
        assert.ok(
          difference <= MATMUL_TOLERANCE,
          `${transposeA} ${transposeB} ${activation}: ${difference}`,
        );
        largest = Math.max(largest, difference);
      }
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it("dense() on native gives the fused matMul's numbers and skips unneeded gradients", async () => {
    await useBackend('native');
    const x = tensor([13, 20], 51);
    const kernel = tensor([20, 30], 52);
    const bias = tensor([30], 53);
    const weights = tensor([13, 30], 54);
    const loss =
      (layer: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) =>
      (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(layer(a, b, c), weights));
    const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c });
    const ours = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      dense(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor1D);
    const expected = [
      fused(x, kernel, bias),
      ...tf.grads(loss(fused))([x, kernel, bias]),
    ];
    const actual = [ours(x, kernel, bias), ...tf.grads(loss(ours))([x, kernel, bias])];
    actual.forEach((a, i) => {
      assert.equal(
        largestDifference(a.dataSync(), expected[i].dataSync()),
        0,
        `output ${i}`,
      );
    });
    // Only the kernel's gradient asked for: one product, not two.
    const profile = await tf.profile(() =>
      tf.grad((b: tf.Tensor) => loss(ours)(x, b, bias))(kernel),
    );
    const products = profile.kernels.filter((k) => k.name === 'BatchMatMul').length;
    assert.equal(products, 1);
    tf.dispose([x, kernel, bias, weights, ...expected, ...actual]);
  });

  it("denseLeakyRelu() on native gives leakyRelu(fused matMul)'s numbers and gradients", async () => {
    await useBackend('native');
    // Specials in x give NaN, infinite and zero pre-activations.
    const x = tensor([13, 20], 61, true);
    const kernel = tensor([20, 30], 62);
    const bias = tensor([30], 63);
    const weights = tensor([13, 30], 64);
    const loss =
      (layer: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) =>
      (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(layer(a, b, c), weights));
    const reference = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.leakyRelu(
        tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c }),
        0.2,
      );
    const ours = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      denseLeakyRelu(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor1D, 0.2);
    const expected = [
      reference(x, kernel, bias),
      ...tf.grads(loss(reference))([x, kernel, bias]),
    ];
    const actual = [ours(x, kernel, bias), ...tf.grads(loss(ours))([x, kernel, bias])];
    actual.forEach((a, i) => {
      assert.equal(
        largestDifference(a.dataSync(), expected[i].dataSync()),
        0,
        `output ${i}`,
      );
    });
    tf.dispose([x, kernel, bias, weights, ...expected, ...actual]);
  });

  it("denseLeakyReluDropout() on native gives leakyRelu(fused matMul) * mask's numbers and gradients", async () => {
    await useBackend('native');
    // Specials in x give NaN, infinite and zero pre-activations; the mask
    // drops about a third, keeping the rest scaled by 1 / 0.7. 40 columns
    // and 300 rows let the kernel split the columns between threads.
    const x = tensor([300, 20], 71, true);
    const kernel = tensor([20, 40], 72);
    const bias = tensor([40], 73);
    const mask = tf.tensor2d(
      randomValues(300 * 40, 74, 0, 1).map((u) => (u < 0.3 ? 0 : 1 / 0.7)),
      [300, 40],
    );
    const weights = tensor([300, 40], 75);
    const loss =
      (layer: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) => tf.Tensor) =>
      (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) =>
        tf.sum(tf.mul(layer(a, b, c, m), weights));
    const reference = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) =>
      tf.mul(
        tf.leakyRelu(
          tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c }),
          0.2,
        ),
        m,
      );
    const ours = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) =>
      denseLeakyReluDropout(
        a as tf.Tensor2D,
        b as tf.Tensor2D,
        c as tf.Tensor1D,
        0.2,
        m as tf.Tensor2D,
      );
    const inputs = [x, kernel, bias, mask];
    const expected = [
      reference(x, kernel, bias, mask),
      ...tf.grads(loss(reference))(inputs),
    ];
    const actual = [ours(x, kernel, bias, mask), ...tf.grads(loss(ours))(inputs)];
    actual.forEach((a, i) => {
      assert.equal(
        largestDifference(a.dataSync(), expected[i].dataSync()),
        0,
        `output ${i}`,
      );
    });
    // Training asks for the weights' gradients only: one product (for the
    // kernel). The unfused layers spend a Multiply on the mask each way and
    // one in LeakyReLU's gradient; the fused kernel spends none.
    const kernelNames = async (
      layer: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) => tf.Tensor,
    ): Promise<string[]> => {
      const profile = await tf.profile(() =>
        tf.grads((b: tf.Tensor, c: tf.Tensor) => loss(layer)(x, b, c, mask))([
          kernel,
          bias,
        ]),
      );
      return profile.kernels.map((k) => k.name);
    };
    const count = (names: string[], name: string): number =>
      names.filter((n) => n === name).length;
    const oursNames = await kernelNames(ours);
    const referenceNames = await kernelNames(reference);
    assert.equal(count(oursNames, 'BatchMatMul'), 1);
    assert.equal(
      count(oursNames, 'Multiply'),
      count(referenceNames, 'Multiply') - 3,
      oursNames.join(),
    );
    tf.dispose([...inputs, weights, ...expected, ...actual]);
  });

  it('binary ops match cpu with broadcasting, NaN and infinity', async (t) => {
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['add', tf.add],
      ['sub', tf.sub],
      ['mul', tf.mul],
      ['div', tf.div],
      ['maximum', tf.maximum],
      ['minimum', tf.minimum],
      ['pow', tf.pow],
      ['squaredDifference', tf.squaredDifference],
      ['prelu', tf.prelu],
      ['greater', tf.greater],
      ['greaterEqual', tf.greaterEqual],
      ['less', tf.less],
      ['lessEqual', tf.lessEqual],
      ['equal', tf.equal],
      ['notEqual', tf.notEqual],
    ];
    const shapes: [number[], number[]][] = [
      [[23], [23]],
      [[], [3, 4]],
      [[3, 4], []],
      [
        [3, 1],
        [1, 4],
      ],
      [[2, 3, 4], [4]],
      [
        [2, 3, 4],
        [3, 1],
      ],
      [
        [5, 1, 7],
        [1, 6, 1],
      ],
      [
        [2, 1, 3, 1, 2],
        [1, 4, 3, 5, 1],
      ],
      [[0, 3], [3]],
      [
        [300, 257],
        [300, 257],
      ],
    ];
    let largest = 0;
    for (const [name, op] of ops) {
      for (const [aShape, bShape] of shapes) {
        const difference = await compareWithCpu(() =>
          op(tensor(aShape, 11, true), tensor(bShape, 12, true)),
        );
        assert.ok(
          difference <= TOLERANCE,
          `${name} ${aShape} with ${bShape}: ${difference}`,
        );
        largest = Math.max(largest, difference);
      }
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('unary ops and activations match cpu on special values', async (t) => {
    const ops: [string, (x: tf.Tensor) => tf.Tensor][] = [
      ['relu', tf.relu],
      ['relu6', tf.relu6],
      ['leakyRelu', (x) => tf.leakyRelu(x, 0.2)],
      ['sigmoid', tf.sigmoid],
      ['tanh', tf.tanh],
      ['softplus', tf.softplus],
      ['exp', tf.exp],
      ['log', tf.log],
      ['log1p', tf.log1p],
      ['sqrt', tf.sqrt],
      ['rsqrt', tf.rsqrt],
      ['square', tf.square],
      ['neg', tf.neg],
      ['abs', tf.abs],
      ['reciprocal', tf.reciprocal],
      ['sign', tf.sign],
      ['step', (x) => tf.step(x, 0.3)],
      ['elu', tf.elu],
      ['floor', tf.floor],
      ['ceil', tf.ceil],
      ['expm1', tf.expm1],
      ['clipByValue', (x) => tf.clipByValue(x, -0.5, 2)],
    ];
    let largest = 0;
    for (const [name, op] of ops) {
      for (const shape of [[0], [1], [37], [70000]]) {
        const difference = await compareWithCpu(() => op(tensor(shape, 13, true)));
        assert.ok(difference <= TOLERANCE, `${name} [${shape}]: ${difference}`);
        largest = Math.max(largest, difference);
      }
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('tanh() is within one float ulp of cpu from -30 to 30', async (t) => {
    // The native tanh is a polynomial below |x| = 0.625 and an exponential
    // form above; the grid crosses the switch and reaches where tanh is 1,
    // and the tiny values check the polynomial where x^3 underflows.
    const values: number[] = [0, -0, 1e-30, -1e-30, 1e-8, 0.624999, 0.625, 0.625001];
    for (let x = -30; x <= 30; x += 0.0007) values.push(x);
    const build = (): tf.Tensor => tf.tanh(tf.tensor1d(values));
    const [expected] = await runOn('cpu', build);
    const [actual] = await runOn('native', build);
    let largestUlps = 0;
    for (let i = 0; i < values.length; i++) {
      const e = expected.values[i];
      const a = actual.values[i];
      // One ulp of a float in [2^k, 2^(k+1)) is 2^(k-23).
      const ulp = e === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23);
      const ulps = Math.abs(a - e) / ulp;
      assert.ok(ulps <= 1, `tanh(${values[i]}): native ${a}, cpu ${e}`);
      assert.equal(Object.is(a, -0), Object.is(e, -0), `tanh(${values[i]}) sign of zero`);
      largestUlps = Math.max(largestUlps, ulps);
    }
    t.diagnostic(`largest difference ${largestUlps} ulp over ${values.length} values`);
  });

  it('select, transpose and cast match cpu', async (t) => {
    let largest = 0;
    const cases: [string, () => tf.Tensor][] = [
      [
        'where',
        () =>
          tf.where(
            tf.greater(tensor([40, 9], 1, true), 0),
            tensor([40, 9], 2),
            tensor([40, 9], 3),
          ),
      ],
      ['transpose 2d', () => tf.transpose(tensor([37, 53], 4))],
      ['transpose 4d', () => tf.transpose(tensor([2, 3, 4, 5], 5), [2, 0, 3, 1])],
      [
        'transpose int32',
        () => tf.transpose(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32')),
      ],
      ['cast to int32', () => tf.cast(tensor([50], 6, true), 'int32')],
      ['cast to bool', () => tf.cast(tensor([50], 7, true), 'bool')],
      ['cast bool to float', () => tf.cast(tf.tensor1d([1, 0, 1], 'bool'), 'float32')],
      ['cast int32 to float', () => tf.cast(tf.tensor1d([-3, 0, 7], 'int32'), 'float32')],
    ];
    for (const [name, build] of cases) {
      const difference = await compareWithCpu(build);
      assert.ok(difference <= TOLERANCE, `${name}: ${difference}`);
      largest = Math.max(largest, difference);
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('reductions match cpu over every axis layout, NaN included', async (t) => {
    let largest = 0;
    const axesCases: (number | number[] | undefined)[] = [
      undefined,
      0,
      1,
      2,
      -1,
      [0, 1],
      [1, 2],
      [0, 2],
    ];
    const ops: [
      string,
      (x: tf.Tensor, axis: number | number[] | undefined) => tf.Tensor,
    ][] = [
      ['sum', (x, axis) => tf.sum(x, axis)],
      ['sum keepDims', (x, axis) => tf.sum(x, axis, true)],
      ['mean', (x, axis) => tf.mean(x, axis)],
      ['max', (x, axis) => tf.max(x, axis)],
      ['min', (x, axis) => tf.min(x, axis, true)],
      ['argMax', (x, axis) => tf.argMax(x, typeof axis === 'number' ? axis : 0)],
      ['argMin', (x, axis) => tf.argMin(x, typeof axis === 'number' ? axis : 0)],
    ];
    for (const [name, op] of ops) {
      for (const axis of axesCases) {
        for (const specials of [false, true]) {
          const difference = await compareWithCpu(() =>
            op(tensor([6, 45, 7], 21, specials), axis),
          );
          assert.ok(
            difference <= TOLERANCE,
            `${name} axis ${axis} specials ${specials}: ${difference}`,
          );
          largest = Math.max(largest, difference);
        }
      }
    }
    // Large enough to be split across threads; an empty reduction.
    for (const build of [
      () => tf.sum(tensor([300, 1024], 22), 0),
      () => tf.sum(tensor([1024, 300], 22), 1),
      () => tf.sum(tensor([0, 4], 23), 0),
      () => tf.mean(tensor([4, 0], 23), 1),
    ]) {
      const difference = await compareWithCpu(build);
      assert.ok(difference <= TOLERANCE, `large or empty: ${difference}`);
      largest = Math.max(largest, difference);
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('softmax and batchNorm match cpu', async (t) => {
    let largest = 0;
    const cases: (() => tf.Tensor)[] = [
      () => tf.softmax(tensor([33, 10], 31)),
      () => tf.softmax(tensor([5, 4, 17], 32, true)),
      () =>
        tf.batchNorm(
          tensor([4, 5, 6], 33),
          tensor([6], 34),
          tf.abs(tensor([6], 35)),
          tensor([6], 36),
          tensor([6], 37),
          1e-3,
        ),
      () => tf.batchNorm(tensor([4, 6], 33), tensor([6], 34), tf.abs(tensor([6], 35))),
    ];
    for (const build of cases) {
      const difference = await compareWithCpu(build);
      assert.ok(difference <= TOLERANCE, `${difference}`);
      largest = Math.max(largest, difference);
    }
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });

  it('conv2d() and its gradients match cpu for strides, padding and dilation', async (t) => {
    let largest = 0;
    const cases: {
      x: [number, number, number, number];
      filter: [number, number, number, number];
      strides: number;
      pad: 'same' | 'valid' | number;
      dilations: number;
    }[] = [
      { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 1 },
      { x: [3, 10, 11, 2], filter: [5, 5, 2, 7], strides: 2, pad: 'same', dilations: 1 },
      { x: [1, 12, 12, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'valid', dilations: 2 },
      { x: [2, 8, 7, 3], filter: [2, 3, 3, 2], strides: 3, pad: 1, dilations: 1 },
    ];
    for (const c of cases) {
      const difference = await compareWithCpu(() => {
        const x = tensor(c.x, 41) as tf.Tensor4D;
        const filter = tensor(c.filter, 42) as tf.Tensor4D;
        const conv = (input: tf.Tensor4D, weights: tf.Tensor4D): tf.Tensor4D =>
          tf.conv2d(input, weights, c.strides, c.pad, 'NHWC', c.dilations);
        // TF.js has no gradient for dilated convolutions: forward only there.
        if (c.dilations > 1) return conv(x, filter);
        const grads = tf.grads((a, b) =>
          tf.sum(tf.square(conv(a as tf.Tensor4D, b as tf.Tensor4D))),
        );
        return [conv(x, filter), ...grads([x, filter])];
      });
      const k = c.filter[0] * c.filter[1] * c.filter[2];
      assert.ok(difference <= sumTolerance(k), `${JSON.stringify(c)}: ${difference}`);
      largest = Math.max(largest, difference);
    }
    // conv2dTranspose runs the Conv2DBackpropInput kernel.
    const difference = await compareWithCpu(() =>
      tf.conv2dTranspose(
        tensor([2, 7, 7, 8], 43) as tf.Tensor4D,
        tensor([5, 5, 4, 8], 44) as tf.Tensor4D,
        [2, 14, 14, 4],
        2,
        'same',
      ),
    );
    assert.ok(difference <= MATMUL_TOLERANCE, `conv2dTranspose: ${difference}`);
    largest = Math.max(largest, difference);
    t.diagnostic(`largest difference ${largest.toExponential(2)}`);
  });
});

describe('native kernel planning', () => {
  it('broadcastPlan() collapses dimensions that broadcast alike', () => {
    // [2, 3, 4] + [4]: the two outer dimensions merge; b repeats along them.
    assert.deepEqual(
      Array.from(broadcastPlan([2, 3, 4], [4]) ?? []),
      [2, 6, 4, 4, 1, 0, 1],
    );
    // [3, 1] + [1, 4]: an outer product, nothing to merge.
    assert.deepEqual(
      Array.from(broadcastPlan([3, 1], [1, 4]) ?? []),
      [2, 3, 4, 1, 0, 0, 1],
    );
    // Same shapes collapse to one dimension; size-1 dimensions vanish.
    assert.deepEqual(
      Array.from(broadcastPlan([5, 1, 7], [5, 1, 7]) ?? []),
      [1, 35, 1, 1],
    );
    // A scalar against a scalar is one element.
    assert.deepEqual(Array.from(broadcastPlan([], []) ?? []), [1, 1, 1, 1]);
    // Empty outputs are one empty dimension.
    assert.deepEqual(Array.from(broadcastPlan([0, 3], [3]) ?? []), [1, 0, 0, 0]);
    // Alternating patterns beyond six dimensions are left to the cpu kernel.
    assert.equal(broadcastPlan([2, 1, 2, 1, 2, 1, 2], [1, 2, 1, 2, 1, 2, 1]), undefined);
  });

  it('reductionLayout() finds the [outer, reduce, inner] view or refuses', () => {
    assert.deepEqual(reductionLayout([6, 45, 7], [1]), {
      outer: 6,
      reduce: 45,
      inner: 7,
    });
    assert.deepEqual(reductionLayout([6, 45, 7], [0, 1]), {
      outer: 1,
      reduce: 270,
      inner: 7,
    });
    // Size-1 axes do not break contiguity.
    assert.deepEqual(reductionLayout([6, 1, 7], [0, 2]), {
      outer: 1,
      reduce: 42,
      inner: 1,
    });
    // Reduced axes with a kept axis between them need a transpose.
    assert.equal(reductionLayout([6, 45, 7], [0, 2]), undefined);
    // Reducing nothing (or only size-1 axes) is a copy.
    assert.deepEqual(reductionLayout([6, 1], [1]), { outer: 6, reduce: 1, inner: 1 });
  });
});
