/**
 * Text drawn onto a raster: every label of a picture goes into one SVG of the
 * raster's size, rendered once by resvg with the bundled font, and blended
 * over the pixels. Pixels without text keep their exact values, which is what
 * lets a digit grid stay bit-exact next to its captions.
 */
import type { Raster } from './raster.js';
import { FONT_FAMILY, escapeXml, renderSvg, type TextStyle } from './svg-render.js';

/** One line of text placed on a raster. */
export interface TextItem extends TextStyle {
  text: string;
  /** Horizontal anchor position in pixels (see `anchor`). */
  x: number;
  /** Baseline position in pixels from the top. */
  y: number;
  /** Which point of the text sits at `x`. Default 'middle'. */
  anchor?: 'start' | 'middle' | 'end';
  /** Gray level of the text, 0 black to 255 white. Default 0. */
  gray?: number;
}

/**
 * Draws `items` onto `raster` in place. Works on gray, RGB and RGBA rasters;
 * text is gray, anti-aliased by coverage.
 *
 * ```ts
 * drawText(page, [{ text: 'epoch 1', x: 50, y: 14, fontSize: 12 }]);
 * ```
 */
export function drawText(raster: Raster, items: readonly TextItem[]): void {
  const visible = items.filter((item) => item.text.trim() !== '');
  if (visible.length === 0) return;

  // One SVG for all items: a resvg run costs a few milliseconds (font
  // loading), so a 10x10 grid of captions is one run, not a hundred.
  const parts = visible.map((item) => {
    const gray = item.gray ?? 0;
    const weight = item.bold === true ? 'bold' : 'normal';
    return (
      `<text x="${item.x}" y="${item.y}" font-size="${item.fontSize}" ` +
      `font-weight="${weight}" text-anchor="${item.anchor ?? 'middle'}" ` +
      `fill="rgb(${gray},${gray},${gray})">${escapeXml(item.text)}</text>`
    );
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${raster.width}" ` +
    `height="${raster.height}" font-family="${FONT_FAMILY}">${parts.join('')}</svg>`;
  const overlay = renderSvg(svg);

  // resvg returns premultiplied RGBA, so out = base * (1 - a) + colour * a is
  // base * (1 - a) + premultiplied colour.
  const { data, channels } = raster;
  for (let p = 0; p < raster.width * raster.height; p++) {
    const alpha = overlay.data[p * 4 + 3];
    if (alpha === 0) continue;
    const keep = 1 - alpha / 255;
    for (let c = 0; c < Math.min(channels, 3); c++) {
      const source = overlay.data[p * 4 + Math.min(c, 2)];
      data[p * channels + c] = Math.round(data[p * channels + c] * keep + source);
    }
  }
}
