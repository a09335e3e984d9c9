/**
 * Figures made of several pictures side by side, each with a caption above:
 * the GAN "results review" row (samples after epoch 1, 20, ..., then real
 * digits). Pictures are composited pixel for pixel; only the captions go
 * through the font renderer.
 */
import * as fs from 'node:fs';

import { blit, createRaster, type Channels, type Raster } from './raster.js';
import { decodePng, writePng } from './png.js';
import { measureText } from './svg-render.js';
import { drawText, type TextItem } from './text.js';

/** One picture of a figure row and the caption drawn above it. */
export interface FigurePanel {
  caption: string;
  /** The picture, or the path of a PNG file holding it. */
  image: Raster | string;
}

/** Look of a figure row. Every field is optional. */
export interface FigureRowOptions {
  /** Title above the whole row. */
  title?: string;
  /** Pixels between panels and around the figure. Default 12. */
  gap?: number;
  /** Caption font size in pixels; the title is 1.25 times larger. Default 14. */
  fontSize?: number;
}

/** Defaults of {@link FigureRowOptions}, in one place. */
const FIGURE_DEFAULTS = { gap: 12, fontSize: 14 } as const;

function loadPanelImage(panel: FigurePanel): Raster {
  if (typeof panel.image !== 'string') return panel.image;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(panel.image);
  } catch (error) {
    throw new Error(
      `composing figure panel "${panel.caption}": cannot read "${panel.image}": ` +
        (error as Error).message,
    );
  }
  return decodePng(bytes, panel.image);
}

/**
 * Composes `panels` left to right, top-aligned under their captions, on white.
 * The result is gray when every panel is gray, RGB otherwise.
 *
 * ```ts
 * const row = renderFigureRow([
 *   { caption: 'epoch 1', image: 'run/samples-epoch-001.png' },
 *   { caption: 'real', image: realGrid },
 * ]);
 * ```
 */
export function renderFigureRow(
  panels: readonly FigurePanel[],
  options: FigureRowOptions = {},
): Raster {
  if (panels.length === 0) {
    throw new RangeError('composing a figure row: expected at least one panel, got none');
  }
  const gap = options.gap ?? FIGURE_DEFAULTS.gap;
  const fontSize = options.fontSize ?? FIGURE_DEFAULTS.fontSize;
  const titleSize = Math.round(fontSize * 1.25);
  const images = panels.map(loadPanelImage);

  // A caption wider than its picture widens the panel's column.
  const columnWidths = panels.map((panel, i) =>
    Math.max(images[i].width, measureText(panel.caption, { fontSize }) + 4),
  );
  const titleHeight = options.title === undefined ? 0 : Math.round(titleSize * 1.8);
  const captionHeight = Math.round(fontSize * 1.6);
  const width = gap + columnWidths.reduce((sum, w) => sum + w + gap, 0);
  const height =
    titleHeight +
    gap +
    captionHeight +
    Math.max(...images.map((image) => image.height)) +
    gap;
  const channels: Channels = images.every((image) => image.channels === 1) ? 1 : 3;
  const figure = createRaster(width, height, channels, 255);

  const text: TextItem[] = [];
  let left = gap;
  panels.forEach((panel, i) => {
    const top = titleHeight + gap + captionHeight;
    blit(
      figure,
      images[i],
      left + Math.floor((columnWidths[i] - images[i].width) / 2),
      top,
    );
    text.push({
      text: panel.caption,
      x: left + columnWidths[i] / 2,
      y: titleHeight + gap + fontSize,
      fontSize,
    });
    left += columnWidths[i] + gap;
  });
  if (options.title !== undefined) {
    text.push({
      text: options.title,
      x: width / 2,
      y: gap + titleSize,
      fontSize: titleSize,
      bold: true,
    });
  }
  drawText(figure, text);
  return figure;
}

/**
 * Composes a figure row (see {@link renderFigureRow}) and writes it to `file`
 * as PNG, atomically. Returns the composed raster.
 */
export function writeFigureRow(
  file: string,
  panels: readonly FigurePanel[],
  options: FigureRowOptions = {},
): Raster {
  const figure = renderFigureRow(panels, options);
  writePng(file, figure);
  return figure;
}
