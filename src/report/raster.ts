/**
 * A plain in-memory image: the common currency of the report code. Grids,
 * figures and text overlays are drawn into a raster, which `png.ts` encodes.
 *
 * Layout: `data[(y * width + x) * channels + c]`, rows top to bottom, 8 bits
 * per channel. Channels: 1 = gray, 3 = RGB, 4 = RGBA (not premultiplied).
 */

/** Number of 8-bit channels per pixel: gray, RGB or RGBA. */
export type Channels = 1 | 3 | 4;

/** An 8-bit image of `height` rows of `width` pixels. */
export interface Raster {
  width: number;
  height: number;
  channels: Channels;
  /** `width * height * channels` bytes, row-major. */
  data: Uint8Array;
}

/**
 * Creates a raster filled with one value per channel.
 *
 * `fill` is a gray level (0 black to 255 white) applied to every colour
 * channel; alpha, when present, starts opaque.
 *
 * ```ts
 * const page = createRaster(100, 50, 1, 255); // white 100x50 gray image
 * ```
 */
export function createRaster(
  width: number,
  height: number,
  channels: Channels,
  fill = 255,
): Raster {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `creating a raster: expected positive whole width and height, got ${width}x${height}`,
    );
  }
  const data = new Uint8Array(width * height * channels).fill(fill);
  if (channels === 4) {
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
  }
  return { width, height, channels, data };
}

/** Checks that `raster.data` holds exactly `width * height * channels` bytes. */
export function checkRaster(raster: Raster, what: string): void {
  const expected = raster.width * raster.height * raster.channels;
  if (raster.data.length !== expected) {
    throw new RangeError(
      `${what}: expected ${expected} bytes for ${raster.width}x${raster.height}x` +
        `${raster.channels}, got ${raster.data.length}`,
    );
  }
}

/** Reads pixel (x, y) as RGB, whatever the raster's channel count. */
export function pixelRgb(raster: Raster, x: number, y: number): [number, number, number] {
  const i = (y * raster.width + x) * raster.channels;
  const d = raster.data;
  return raster.channels === 1 ? [d[i], d[i], d[i]] : [d[i], d[i + 1], d[i + 2]];
}

/**
 * Copies `source` into `target` with its top-left corner at (x, y), clipping
 * whatever falls outside. Channel counts may differ: RGB becomes gray by the
 * ITU-R BT.601 luma weights; the source's alpha is ignored (the copy is
 * opaque) because every image drawn here is opaque.
 */
export function blit(target: Raster, source: Raster, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(target.width, x + source.width);
  const y1 = Math.min(target.height, y + source.height);
  for (let ty = y0; ty < y1; ty++) {
    for (let tx = x0; tx < x1; tx++) {
      const [r, g, b] = pixelRgb(source, tx - x, ty - y);
      const t = (ty * target.width + tx) * target.channels;
      if (target.channels === 1) {
        target.data[t] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      } else {
        target.data[t] = r;
        target.data[t + 1] = g;
        target.data[t + 2] = b;
      }
    }
  }
}
