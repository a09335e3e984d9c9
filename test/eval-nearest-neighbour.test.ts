import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';

import { initBackend } from '../src/backend/select.js';
import { IMAGE_PIXELS } from '../src/data/mnist.js';
import { median, nearestDistances } from '../src/eval/nearest-neighbour.js';
import { Random } from '../src/util/random.js';

before(async () => {
  await initBackend('cpu');
});

test('nearestDistances() matches a brute-force search', (t) => {
  const random = new Random(11);
  const queries = random.fillUniform(new Float32Array(300 * IMAGE_PIXELS));
  const references = random.fillUniform(new Float32Array(40 * IMAGE_PIXELS));
  // Query 5 is an exact copy of reference 17.
  queries.set(
    references.subarray(17 * IMAGE_PIXELS, 18 * IMAGE_PIXELS),
    5 * IMAGE_PIXELS,
  );
  const actual = nearestDistances(queries, references);
  let worst = 0;
  for (let q = 0; q < 300; q++) {
    let best = Infinity;
    for (let r = 0; r < 40; r++) {
      let sum = 0;
      for (let p = 0; p < IMAGE_PIXELS; p++) {
        const d = queries[q * IMAGE_PIXELS + p] - references[r * IMAGE_PIXELS + p];
        sum += d * d;
      }
      best = Math.min(best, Math.sqrt(sum));
    }
    worst = Math.max(worst, Math.abs(actual[q] - best));
  }
  t.diagnostic(`largest difference ${worst}`);
  assert.ok(worst < 1e-3, `largest difference ${worst}`);
  assert.ok(actual[5] < 0.05, `copy at distance ${actual[5]}`);
});

test('median() takes the middle value or the mean of the middle two', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /at least one value/);
});
