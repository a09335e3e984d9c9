/**
 * PNG encoding and decoding of {@link Raster} images with `pngjs`, and atomic
 * PNG writes so that a crash never leaves a truncated picture behind.
 */
import { PNG, type ColorType } from 'pngjs';

import { writeFileAtomic } from '../util/fs-atomic.js';
import { checkRaster, type Channels, type Raster } from './raster.js';

/** PNG colour type for each channel count (PNG spec, section 11.2.2). */
const COLOR_TYPE: Record<Channels, ColorType> = { 1: 0, 3: 2, 4: 6 };

/**
 * Encodes a raster as an 8-bit PNG: gray, RGB or RGBA after its channel count.
 *
 * ```ts
 * const bytes = encodePng(createRaster(28, 28, 1, 255));
 * ```
 */
export function encodePng(raster: Raster): Buffer {
  checkRaster(raster, 'encoding a PNG');
  const png = new PNG({ width: raster.width, height: raster.height });

  // pngjs packs from `png.data` as-is when input and output colour types
  // match, so the raster's own layout is handed over without conversion.
  png.data = Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.length);
  const colorType = COLOR_TYPE[raster.channels];
  return PNG.sync.write(png, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: raster.channels === 4,
    bitDepth: 8,
  });
}

/**
 * Decodes PNG bytes into an RGBA raster (pngjs expands every colour type to
 * RGBA). `name` appears in the error message of a corrupt file.
 */
export function decodePng(bytes: Uint8Array, name: string): Raster {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (error) {
    throw new Error(`decoding PNG "${name}": ${(error as Error).message}`);
  }
  return { width: png.width, height: png.height, channels: 4, data: png.data };
}

/** Encodes `raster` as PNG and writes it to `file` atomically. */
export function writePng(file: string, raster: Raster): void {
  writeFileAtomic(file, encodePng(raster));
}
