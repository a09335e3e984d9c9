import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { renderFigureRow, writeFigureRow } from '../src/report/figure.js';
import { decodePng, writePng } from '../src/report/png.js';
import { createRaster } from '../src/report/raster.js';
import { measureText } from '../src/report/svg-render.js';
import { drawText } from '../src/report/text.js';

test('measureText() grows with the text and the font size', () => {
  const short = measureText('epoch 1', { fontSize: 14 });
  const long = measureText('epoch 100', { fontSize: 14 });
  const big = measureText('epoch 1', { fontSize: 28 });
  assert.ok(short > 20, `"epoch 1" at 14 px measured ${short}`);
  assert.ok(long > short);
  assert.ok(big > 1.8 * short);
  assert.equal(measureText('   ', { fontSize: 14 }), 0);
});

test('drawText() draws dark text and leaves the rest of the raster as it was', () => {
  const raster = createRaster(120, 30, 3, 200);
  drawText(raster, [{ text: 'real', x: 60, y: 20, fontSize: 16 }]);
  let dark = 0;
  for (let i = 0; i < raster.data.length; i += 3) if (raster.data[i] < 100) dark += 1;
  assert.ok(dark > 30, `expected text pixels, found ${dark}`);
  assert.equal(raster.data[0], 200, 'a corner far from the text is unchanged');
  assert.equal(raster.data[(29 * 120 + 119) * 3], 200);
});

test('renderFigureRow() copies panels exactly and captions each one', () => {
  const first = createRaster(40, 30, 1, 0);
  const second = createRaster(20, 50, 1, 100);
  const figure = renderFigureRow(
    [
      { caption: 'epoch 1', image: first },
      { caption: 'real', image: second },
    ],
    { gap: 10, fontSize: 14 },
  );
  assert.equal(figure.channels, 1);
  const captionHeight = Math.round(14 * 1.6);
  const top = 10 + captionHeight;
  assert.equal(figure.height, top + 50 + 10);

  // Both panels' pixels are where the layout puts them, unchanged.
  const firstWidth = Math.max(40, measureText('epoch 1', { fontSize: 14 }) + 4);
  const firstLeft = 10 + Math.floor((firstWidth - 40) / 2);
  assert.equal(figure.data[top * figure.width + firstLeft], 0);
  assert.equal(figure.data[(top + 29) * figure.width + firstLeft + 39], 0);
  assert.equal(
    figure.data[(top + 30) * figure.width + firstLeft],
    255,
    'below panel 1 is page',
  );
  const secondColumn = 10 + firstWidth + 10;
  const secondWidth = Math.max(20, measureText('real', { fontSize: 14 }) + 4);
  const secondLeft = secondColumn + Math.floor((secondWidth - 20) / 2);
  assert.equal(figure.data[(top + 49) * figure.width + secondLeft + 19], 100);

  // Caption text sits above each panel.
  let captionInk = 0;
  for (let y = 10; y < top; y++) {
    for (let x = secondColumn; x < secondColumn + secondWidth; x++) {
      if (figure.data[y * figure.width + x] < 128) captionInk += 1;
    }
  }
  assert.ok(
    captionInk > 20,
    `expected "real" above panel 2, found ${captionInk} dark pixels`,
  );
});

test('writeFigureRow() reads panels from PNG files and writes RGB for colour panels', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-figure-'));
  try {
    const panelFile = path.join(dir, 'panel.png');
    const colour = createRaster(16, 16, 3, 0);
    colour.data.fill(255, 0, 3); // white pixel at (0, 0)
    writePng(panelFile, colour);
    const file = path.join(dir, 'review.png');
    const figure = writeFigureRow(
      file,
      [
        { caption: 'epoch 20', image: panelFile },
        { caption: 'real', image: createRaster(16, 16, 1, 0) },
      ],
      { title: 'Results review' },
    );
    assert.equal(figure.channels, 3);
    const decoded = decodePng(fs.readFileSync(file), file);
    assert.equal(decoded.width, figure.width);
    assert.equal(decoded.height, figure.height);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('renderFigureRow() names the panel whose PNG file is missing', () => {
  assert.throws(
    () => renderFigureRow([{ caption: 'epoch 5', image: '/nonexistent/samples.png' }]),
    /composing figure panel "epoch 5": cannot read "\/nonexistent\/samples.png"/,
  );
});

test('drawText() blends anti-aliased edges by coverage (text on its own colour vanishes)', () => {
  const raster = createRaster(80, 24, 1, 100);
  drawText(raster, [{ text: 'Wx 7', x: 40, y: 18, fontSize: 16, gray: 100 }]);
  const off = raster.data.filter((v) => Math.abs(v - 100) > 1).length;
  assert.equal(off, 0, `${off} pixels changed although text and page share a colour`);

  const light = createRaster(80, 24, 1, 0);
  drawText(light, [{ text: 'Wx 7', x: 40, y: 18, fontSize: 16, gray: 200 }]);
  assert.equal(Math.max(...light.data), 200);
  assert.ok(
    light.data.some((v) => v > 0 && v < 200),
    'edges are anti-aliased',
  );
});
