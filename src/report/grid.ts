/**
 * Grids of digit images: the "MNIST data example" figure (ten examples per
 * class, one row per digit), the GAN's 10x10 sample sheet, and sheets of
 * misclassified digits captioned "true 7 / predicted 1".
 *
 * Ink is dark on white by default, the look of the case study's matplotlib
 * figures (gray_r colour map): it reads well on white pages and slides, and
 * faint strokes stay visible as light gray instead of vanishing into black.
 * `ink: 'light'` gives the white-on-black look of the raw data instead.
 */
import { createRaster, type Raster } from './raster.js';
import { writePng } from './png.js';
import { measureText } from './svg-render.js';
import { drawText, type TextItem } from './text.js';

/**
 * Images to lay out. Either one flat array of N images back to back
 * ([N, side, side] row-major) or one array per image ([side, side]).
 * Float32Array values are ink intensity in [0, 1] (values outside are
 * clipped); Uint8Array values are 0 (background) to 255 (ink), as in MNIST.
 */
export type DigitImages =
  Float32Array | Uint8Array | readonly (Float32Array | Uint8Array)[];

/** Layout and look of a digit grid. Every field is optional. */
export interface DigitGridOptions {
  /** Images per row. Default: the image count, at most 10. */
  columns?: number;
  /** Rows. Default: as many as the images need. */
  rows?: number;
  /** Side of one image in source pixels. Default 28 (MNIST). */
  imageSize?: number;
  /** Whole-number upscaling, each source pixel becomes scale x scale. Default 2. */
  scale?: number;
  /** Pixels between images and around the grid. Default 4. */
  padding?: number;
  /** Caption under each image, in image order; '\n' starts a new line. */
  labels?: readonly string[];
  /** Label left of each row, e.g. the digit the row shows. */
  rowLabels?: readonly string[];
  /** Title above the grid. */
  title?: string;
  /** Font size of captions and labels in pixels. Default 12. */
  fontSize?: number;
  /** 'dark' ink on white (default) or 'light' ink on black. */
  ink?: 'dark' | 'light';
}

/** Where each part of a grid lands, in output pixels. */
export interface DigitGridLayout {
  width: number;
  height: number;
  columns: number;
  rows: number;
  /** Output side of one image: `imageSize * scale`. */
  cellSize: number;
  /** Top-left corner of each image, in image order. */
  origins: Array<{ x: number; y: number }>;
  /** Text to draw: captions, row labels and title. */
  text: TextItem[];
}

/** Defaults of {@link DigitGridOptions}, in one place. */
const GRID_DEFAULTS = {
  maxColumns: 10,
  imageSize: 28,
  scale: 2,
  padding: 4,
  fontSize: 12,
  ink: 'dark',
} as const;

/** Line height as a multiple of the font size. */
const LINE_SPACING = 1.25;

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`laying out a digit grid: expected ${name} >= 1, got ${value}`);
  }
  return value;
}

/**
 * Computes the size of a grid of `count` images and where every image and
 * label goes. Without labels or title, image i sits at
 * x = padding + (i % columns) * (cellSize + padding),
 * y = padding + floor(i / columns) * (cellSize + padding).
 */
export function layoutDigitGrid(
  count: number,
  options: DigitGridOptions = {},
): DigitGridLayout {
  const columns = positiveInt(
    options.columns ?? Math.max(1, Math.min(count, GRID_DEFAULTS.maxColumns)),
    'columns',
  );
  const rows = positiveInt(
    options.rows ?? Math.max(1, Math.ceil(count / columns)),
    'rows',
  );
  if (count > rows * columns) {
    throw new RangeError(
      `laying out a digit grid: ${count} images do not fit in ${rows} rows of ${columns}`,
    );
  }
  const imageSize = positiveInt(
    options.imageSize ?? GRID_DEFAULTS.imageSize,
    'imageSize',
  );
  const scale = positiveInt(options.scale ?? GRID_DEFAULTS.scale, 'scale');
  const padding = options.padding ?? GRID_DEFAULTS.padding;
  const fontSize = options.fontSize ?? GRID_DEFAULTS.fontSize;
  const lineHeight = Math.round(fontSize * LINE_SPACING);
  const cellSize = imageSize * scale;
  const labels = options.labels ?? [];
  const rowLabels = options.rowLabels ?? [];

  // Columns widen to fit the longest caption line, so captions never overlap.
  const captionLines = labels.map((label) => label.split('\n'));
  const lineCount = Math.max(0, ...captionLines.map((lines) => lines.length));
  const widest = Math.max(
    0,
    ...captionLines.flat().map((line) => measureText(line, { fontSize }) + 4),
  );
  const columnWidth = Math.max(cellSize, widest);
  const captionHeight = lineCount === 0 ? 0 : lineCount * lineHeight + 2;
  const rowLabelWidth =
    rowLabels.length === 0
      ? 0
      : Math.max(...rowLabels.map((label) => measureText(label, { fontSize }))) +
        2 * padding;
  const titleHeight = options.title === undefined ? 0 : Math.round(fontSize * 1.8);
  const rowHeight = cellSize + captionHeight;

  const width = padding + rowLabelWidth + columns * (columnWidth + padding);
  const height = titleHeight + padding + rows * (rowHeight + padding);
  const origins: Array<{ x: number; y: number }> = [];
  const text: TextItem[] = [];
  for (let i = 0; i < count; i++) {
    const column = i % columns;
    const row = Math.floor(i / columns);
    const left = padding + rowLabelWidth + column * (columnWidth + padding);
    const x = left + Math.floor((columnWidth - cellSize) / 2);
    const y = titleHeight + padding + row * (rowHeight + padding);
    origins.push({ x, y });
    (captionLines[i] ?? []).forEach((line, k) => {
      text.push({
        text: line,
        x: left + columnWidth / 2,
        y: y + cellSize + fontSize + k * lineHeight,
        fontSize,
      });
    });
  }
  rowLabels.forEach((label, row) => {
    const y = titleHeight + padding + row * (rowHeight + padding);
    text.push({
      text: label,
      x: padding + rowLabelWidth - padding,
      y: y + cellSize / 2 + fontSize * 0.35,
      anchor: 'end',
      fontSize,
    });
  });
  if (options.title !== undefined) {
    text.push({
      text: options.title,
      x: width / 2,
      y: fontSize * 1.3,
      fontSize,
      bold: true,
    });
  }
  return { width, height, columns, rows, cellSize, origins, text };
}

/** Splits the accepted input forms into one array per image, checking sizes. */
function splitImages(
  images: DigitImages,
  pixels: number,
): Array<Float32Array | Uint8Array> {
  if (images instanceof Float32Array || images instanceof Uint8Array) {
    if (images.length % pixels !== 0) {
      throw new RangeError(
        `drawing a digit grid: expected a multiple of ${pixels} values ` +
          `(whole images), got ${images.length}`,
      );
    }
    const list: Array<Float32Array | Uint8Array> = [];
    for (let start = 0; start < images.length; start += pixels) {
      list.push(images.subarray(start, start + pixels));
    }
    return list;
  }
  images.forEach((image, i) => {
    if (image.length !== pixels) {
      throw new RangeError(
        `drawing a digit grid: expected ${pixels} values for image ${i}, got ${image.length}`,
      );
    }
  });
  return [...images];
}

/** Ink intensity 0..255 of one source value. */
function inkLevel(
  image: Float32Array | Uint8Array,
  index: number,
  imageNumber: number,
): number {
  if (image instanceof Uint8Array) return image[index];
  const value = image[index];
  if (Number.isNaN(value)) {
    throw new RangeError(
      `drawing a digit grid: image ${imageNumber} has NaN at pixel ${index} ` +
        '(did the model diverge?)',
    );
  }
  return Math.round(Math.min(1, Math.max(0, value)) * 255);
}

/**
 * Draws `images` into a gray raster laid out by {@link layoutDigitGrid}.
 *
 * ```ts
 * // 100 generated digits, [100, 28, 28] floats in [0, 1]:
 * const sheet = renderDigitGrid(samples, { columns: 10, scale: 2 });
 * ```
 */
export function renderDigitGrid(
  images: DigitImages,
  options: DigitGridOptions = {},
): Raster {
  const imageSize = options.imageSize ?? GRID_DEFAULTS.imageSize;
  const list = splitImages(images, imageSize * imageSize);
  const layout = layoutDigitGrid(list.length, options);
  const scale = layout.cellSize / imageSize;
  const dark = (options.ink ?? GRID_DEFAULTS.ink) === 'dark';
  const background = dark ? 255 : 0;
  const raster = createRaster(layout.width, layout.height, 1, background);

  // Nearest-neighbour upscaling keeps the pixel structure of a 28x28 digit
  // visible instead of blurring it.
  list.forEach((image, n) => {
    const { x, y } = layout.origins[n];
    for (let row = 0; row < imageSize; row++) {
      for (let column = 0; column < imageSize; column++) {
        const ink = inkLevel(image, row * imageSize + column, n);
        const gray = dark ? 255 - ink : ink;
        for (let dy = 0; dy < scale; dy++) {
          const start = (y + row * scale + dy) * raster.width + x + column * scale;
          raster.data.fill(gray, start, start + scale);
        }
      }
    }
  });

  const textGray = dark ? 0 : 255;
  drawText(
    raster,
    layout.text.map((item) => ({ ...item, gray: textGray })),
  );
  return raster;
}

/**
 * Draws a digit grid (see {@link renderDigitGrid}) and writes it to `file` as
 * a gray PNG, atomically.
 *
 * ```ts
 * writeDigitGrid('run/samples-epoch-020.png', samples, { columns: 10 });
 * writeDigitGrid('run/misclassified.png', wrong, {
 *   labels: wrong.map((_, i) => `true ${truth[i]}\npredicted ${guess[i]}`),
 * });
 * ```
 */
export function writeDigitGrid(
  file: string,
  images: DigitImages,
  options: DigitGridOptions = {},
): Raster {
  const raster = renderDigitGrid(images, options);
  writePng(file, raster);
  return raster;
}
