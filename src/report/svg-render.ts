/**
 * Turns SVG into pixels with resvg, using only the DejaVu fonts shipped in the
 * `dejavu-fonts-ttf` npm package. System fonts are never loaded, so charts and
 * captions look the same on a bare server as on a desktop, and text never
 * silently disappears on a machine without fonts.
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

import type { Raster } from './raster.js';

/** Font family every chart and caption uses; it names the bundled files. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Files of {@link FONT_FAMILY} loaded into resvg: regular and bold (titles). */
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** Absolute paths of the bundled font files. */
export function bundledFontFiles(): string[] {
  const require = createRequire(import.meta.url);
  const dir = path.join(
    path.dirname(require.resolve('dejavu-fonts-ttf/package.json')),
    'ttf',
  );
  return FONT_FILES.map((name) => path.join(dir, name));
}

/** Options for {@link renderSvg}. */
export interface SvgRenderOptions {
  /** Output pixels per SVG unit. Default 1. */
  scale?: number;
  /** CSS colour painted behind the drawing; default transparent. */
  background?: string;
}

function resvgOptions(options: SvgRenderOptions): ResvgRenderOptions {
  const scale = options.scale ?? 1;
  return {
    font: {
      loadSystemFonts: false,
      fontFiles: bundledFontFiles(),
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: scale },
    ...(options.background === undefined ? {} : { background: options.background }),
    logLevel: 'off',
  };
}

/**
 * Rasterizes an SVG document into an RGBA raster of its size times `scale`.
 *
 * ```ts
 * const image = renderSvg('<svg xmlns="http://www.w3.org/2000/svg" ' +
 *   'width="40" height="20"><text y="15">hi</text></svg>', { scale: 2 });
 * // image.width === 80, image.height === 40
 * ```
 */
export function renderSvg(svg: string, options: SvgRenderOptions = {}): Raster {
  const rendered = new Resvg(svg, resvgOptions(options)).render();
  return {
    width: rendered.width,
    height: rendered.height,
    channels: 4,
    data: new Uint8Array(rendered.pixels),
  };
}

/** Rasterizes an SVG document straight to PNG bytes (see {@link renderSvg}). */
export function svgToPng(svg: string, options: SvgRenderOptions = {}): Buffer {
  return new Resvg(svg, resvgOptions(options)).render().asPng();
}

/** Size and weight of a line of text. */
export interface TextStyle {
  /** Font size in pixels. */
  fontSize: number;
  /** Bold weight (titles). Default false. */
  bold?: boolean;
}

/**
 * Width in pixels of one line of text in {@link FONT_FAMILY}, as laid out by
 * resvg itself (so it agrees with what {@link renderSvg} draws). Blank text
 * measures 0.
 */
export function measureText(text: string, style: TextStyle): number {
  if (text.trim() === '') return 0;
  const { fontSize } = style;
  const weight = style.bold === true ? 'bold' : 'normal';
  const width = Math.ceil(fontSize * text.length + 10);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${fontSize * 2}">` +
    `<text x="0" y="${fontSize * 1.5}" font-size="${fontSize}" font-weight="${weight}" ` +
    `font-family="${FONT_FAMILY}">${escapeXml(text)}</text></svg>`;
  const box = new Resvg(svg, resvgOptions({})).innerBBox();
  return box === undefined ? 0 : Math.ceil(box.x + box.width);
}

/** Escapes the five XML special characters for use in SVG text and attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
