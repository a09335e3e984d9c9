import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { decodePng } from '../src/report/png.js';
import { layoutDigitGrid, renderDigitGrid, writeDigitGrid } from '../src/report/grid.js';

const PIXELS = 28 * 28;

/** `count` blank images with one full-ink pixel at (row, column) in image `marked`. */
function blankWithDot(count: number, marked: number, row: number, column: number) {
  const images = new Uint8Array(count * PIXELS);
  images[marked * PIXELS + row * 28 + column] = 255;
  return images;
}

test('layoutDigitGrid() places images by the documented formula', () => {
  const layout = layoutDigitGrid(12, { columns: 5, scale: 2, padding: 3 });
  assert.equal(layout.rows, 3);
  assert.equal(layout.cellSize, 56);
  assert.equal(layout.width, 3 + 5 * (56 + 3));
  assert.equal(layout.height, 3 + 3 * (56 + 3));
  assert.deepEqual(layout.origins[7], { x: 3 + 2 * 59, y: 3 + 1 * 59 });
});

test('layoutDigitGrid() rejects more images than rows times columns', () => {
  assert.throws(
    () => layoutDigitGrid(11, { columns: 5, rows: 2 }),
    /11 images do not fit in 2 rows of 5/,
  );
});

test('renderDigitGrid() draws dark ink on white at the scaled position', () => {
  const raster = renderDigitGrid(blankWithDot(6, 4, 3, 5), {
    columns: 3,
    scale: 2,
    padding: 4,
  });
  assert.equal(raster.channels, 1);
  // Image 4 is row 1, column 1: origin (4 + 60, 4 + 60).
  const x = 64 + 5 * 2;
  const y = 64 + 3 * 2;
  for (const [dx, dy] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ]) {
    assert.equal(
      raster.data[(y + dy) * raster.width + x + dx],
      0,
      `ink at +${dx},+${dy}`,
    );
  }
  assert.equal(raster.data[y * raster.width + x + 2], 255, 'next source pixel is blank');
  assert.equal(raster.data[(y - 1) * raster.width + x], 255);
  const inkPixels = raster.data.filter((v) => v !== 255).length;
  assert.equal(inkPixels, 4, 'exactly one upscaled pixel carries ink');
});

test('renderDigitGrid() maps float intensities to gray and clips out-of-range values', () => {
  const images = [new Float32Array(PIXELS), new Float32Array(PIXELS)];
  images[0][0] = 0.5;
  images[1][0] = 7;
  images[1][1] = -3;
  const raster = renderDigitGrid(images, { columns: 2, scale: 1, padding: 0 });
  assert.equal(raster.data[0], 255 - 128);
  assert.equal(raster.data[28], 0, 'above 1 clips to full ink');
  assert.equal(raster.data[29], 255, 'below 0 clips to blank');
});

test('renderDigitGrid() with light ink draws white on black', () => {
  const raster = renderDigitGrid(blankWithDot(1, 0, 0, 0), {
    scale: 1,
    padding: 1,
    ink: 'light',
  });
  assert.equal(raster.data[1 * raster.width + 1], 255);
  assert.equal(raster.data[0], 0);
});

test('renderDigitGrid() reports a NaN pixel with its image and position', () => {
  const images = new Float32Array(2 * PIXELS);
  images[PIXELS + 10] = NaN;
  assert.throws(() => renderDigitGrid(images), /image 1 has NaN at pixel 10/);
});

test('renderDigitGrid() rejects a flat array that is not whole images', () => {
  assert.throws(
    () => renderDigitGrid(new Uint8Array(PIXELS + 5)),
    /expected a multiple of 784 values \(whole images\), got 789/,
  );
});

test('renderDigitGrid() writes captions below images without touching them', () => {
  const images = blankWithDot(2, 0, 27, 27);
  const plain = renderDigitGrid(images, { columns: 2, scale: 2 });
  const captioned = renderDigitGrid(images, {
    columns: 2,
    scale: 2,
    labels: ['true 7\npredicted 1', 'true 2\npredicted 3'],
  });
  const layout = layoutDigitGrid(2, {
    columns: 2,
    scale: 2,
    labels: ['true 7\npredicted 1', 'true 2\npredicted 3'],
  });
  assert.ok(captioned.height > plain.height, 'two caption lines add height');
  assert.ok(captioned.width > plain.width, '"predicted 1" is wider than a 56-pixel cell');

  // The image area is bit-exact: its one ink pixel and nothing else.
  const { x, y } = layout.origins[0];
  let ink = 0;
  for (let dy = 0; dy < 56; dy++) {
    for (let dx = 0; dx < 56; dx++) {
      if (captioned.data[(y + dy) * captioned.width + x + dx] !== 255) ink += 1;
    }
  }
  assert.equal(ink, 4);

  // Text pixels exist in the caption band under the first image.
  let text = 0;
  for (let row = y + 56; row < captioned.height; row++) {
    for (let column = 0; column < captioned.width / 2; column++) {
      if (captioned.data[row * captioned.width + column] < 128) text += 1;
    }
  }
  assert.ok(text > 50, `expected caption pixels, found ${text}`);
});

test('writeDigitGrid() writes a PNG of the layout size', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-grid-'));
  try {
    const file = path.join(dir, 'grid.png');
    writeDigitGrid(file, new Uint8Array(100 * PIXELS), { columns: 10 });
    const decoded = decodePng(fs.readFileSync(file), file);
    const layout = layoutDigitGrid(100, { columns: 10 });
    assert.equal(decoded.width, layout.width);
    assert.equal(decoded.height, layout.height);
    assert.equal(decoded.width, 4 + 10 * (56 + 4));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
