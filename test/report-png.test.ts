import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { decodePng, encodePng, writePng } from '../src/report/png.js';
import { blit, createRaster, type Channels, type Raster } from '../src/report/raster.js';

function patterned(width: number, height: number, channels: Channels): Raster {
  const raster = createRaster(width, height, channels, 0);
  for (let i = 0; i < raster.data.length; i++) raster.data[i] = (i * 37 + 11) % 256;
  return raster;
}

for (const channels of [1, 3, 4] as const) {
  test(`encodePng() round-trips a ${channels}-channel raster through pngjs`, () => {
    const raster = patterned(7, 5, channels);
    const decoded = decodePng(encodePng(raster), 'memory');
    assert.equal(decoded.width, 7);
    assert.equal(decoded.height, 5);
    for (let p = 0; p < 7 * 5; p++) {
      const rgba = decoded.data.subarray(p * 4, p * 4 + 4);
      const source = raster.data.subarray(p * channels, (p + 1) * channels);
      if (channels === 1)
        assert.deepEqual([...rgba], [source[0], source[0], source[0], 255]);
      if (channels === 3) assert.deepEqual([...rgba], [...source, 255]);
      if (channels === 4) assert.deepEqual([...rgba], [...source]);
    }
  });
}

test('encodePng() writes the gray colour type for a gray raster', () => {
  const bytes = encodePng(patterned(3, 3, 1));
  // IHDR: colour type is the byte after width, height and bit depth.
  assert.equal(bytes[24], 8, 'bit depth');
  assert.equal(bytes[25], 0, 'colour type 0 = gray');
});

test('encodePng() rejects a raster whose data does not match its size', () => {
  const broken: Raster = { width: 4, height: 4, channels: 1, data: new Uint8Array(15) };
  assert.throws(() => encodePng(broken), /expected 16 bytes for 4x4x1, got 15/);
});

test('decodePng() names the file when the bytes are not a PNG', () => {
  assert.throws(
    () => decodePng(new Uint8Array([1, 2, 3, 4]), 'broken.png'),
    /decoding PNG "broken.png"/,
  );
});

test('writePng() writes a decodable file and leaves no temporary file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-png-'));
  try {
    const file = path.join(dir, 'out.png');
    writePng(file, patterned(9, 4, 3));
    const decoded = decodePng(fs.readFileSync(file), file);
    assert.equal(decoded.width, 9);
    assert.equal(decoded.height, 4);
    assert.deepEqual(fs.readdirSync(dir), ['out.png']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('blit() clips at the edges and converts RGB to gray by luma', () => {
  const target = createRaster(4, 4, 1, 0);
  const source = createRaster(3, 3, 3, 0);
  source.data.set([255, 0, 0], 0); // red at (0, 0)
  blit(target, source, 2, 2);
  assert.equal(target.data[2 * 4 + 2], Math.round(0.299 * 255));
  assert.equal(target.data[1 * 4 + 1], 0, 'outside the blit stays untouched');
});
