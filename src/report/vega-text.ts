/**
 * Text widths for vega's layout. Without a browser canvas, vega guesses a
 * width of 0.8 em per character, which for DejaVu Sans (about 0.6 em) leaves
 * titles, legends and axis labels spaced as if the text were a third longer.
 * This measures with the bundled font instead, so the layout fits what resvg
 * then draws.
 */
import * as vega from 'vega';

import { measureText } from './svg-render.js';

/** Font size the advances are measured at; large, so rounding is negligible. */
const PROBE_SIZE = 200;

/** Advance width per character, in em, keyed by weight and character. */
const advances = new Map<string, number>();

/**
 * Advance of one character in em. Measured as the growth of "x" + c + "x"
 * over "xx": ink bounds alone would give spaces no width.
 */
function advance(character: string, bold: boolean): number {
  const key = (bold ? 'b' : 'n') + character;
  let width = advances.get(key);
  if (width === undefined) {
    const base = measureText('xx', { fontSize: PROBE_SIZE, bold });
    width =
      (measureText(`x${character}x`, { fontSize: PROBE_SIZE, bold }) - base) / PROBE_SIZE;
    advances.set(key, width);
  }
  return width;
}

/** The parts of a vega text item this measure reads. */
interface TextItemLike {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

/**
 * Width in pixels of `text` as vega would lay it out in the bundled font.
 * Kerning is ignored (a pixel or two on a long title).
 */
export function vegaTextWidth(item: TextItemLike, text?: unknown): number {
  const value = String(text ?? item.text ?? '');
  const size = item.fontSize ?? 11;
  const weight = item.fontWeight;
  const bold = weight === 'bold' || (typeof weight === 'number' && weight >= 600);
  let em = 0;
  for (const character of value) em += advance(character, bold);
  return em * size;
}

/**
 * Makes vega measure text with {@link vegaTextWidth}. Idempotent; called
 * before each chart is laid out rather than at import time.
 */
export function useBundledFontMetrics(): void {
  // vega re-exports vega-scenegraph's `textMetrics` at run time, but its type
  // declarations leave it out; replacing `width` is the hook vega offers.
  const metrics = (vega as unknown as { textMetrics?: { width: unknown } }).textMetrics;
  if (metrics === undefined) {
    throw new Error('setting up chart text: vega no longer exports textMetrics');
  }
  metrics.width = vegaTextWidth;
}
