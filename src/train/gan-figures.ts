/**
 * The figures of a GAN run: the 10x10 sample grid, the chart of losses and
 * discriminator outputs against epochs, and the results review (chosen
 * epochs' grids side by side with real digits).
 *
 * TODO: draw these with the shared `src/report/` functions (digit grid,
 * line chart, figure row) once they are on main; this file is the only
 * place to change. Until then: PNG via pngjs, text via resvg with the
 * bundled DejaVu font (no system fonts needed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';

import { IMAGE_SIZE } from '../data/mnist.js';
import { writeFileAtomic } from '../util/fs-atomic.js';

/** The numbers of one epoch the chart draws. */
export interface ChartPoint {
  epoch: number;
  dLoss: number;
  gLoss: number;
  dReal: number;
  dFake: number;
}

/** One panel of the results review. */
export interface ReviewPanel {
  caption: string;
  /** PNG file of the panel (a sample grid). */
  file: string;
}

const FONT_FAMILY = 'DejaVu Sans';
const GRID_PADDING = 2;

function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  const dir = path.join(
    path.dirname(require.resolve('dejavu-fonts-ttf/package.json')),
    'ttf',
  );
  return [path.join(dir, 'DejaVuSans.ttf')];
}

function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: fontFiles(),
      defaultFontFamily: FONT_FAMILY,
    },
    background: 'white',
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

/**
 * Writes `images` ([N * 784] ink intensities in [0, 1]) as a PNG grid of
 * `columns` digits per row, dark ink on white like the case study's figures.
 */
export function writeSampleGrid(
  file: string,
  images: Float32Array,
  columns: number,
): void {
  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  const count = Math.floor(images.length / pixels);
  const rows = Math.ceil(count / columns);
  const cell = IMAGE_SIZE + GRID_PADDING;
  const width = columns * cell + GRID_PADDING;
  const height = rows * cell + GRID_PADDING;
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (let n = 0; n < count; n++) {
    const left = GRID_PADDING + (n % columns) * cell;
    const top = GRID_PADDING + Math.floor(n / columns) * cell;
    for (let y = 0; y < IMAGE_SIZE; y++) {
      for (let x = 0; x < IMAGE_SIZE; x++) {
        const ink = Math.min(1, Math.max(0, images[n * pixels + y * IMAGE_SIZE + x]));
        const value = Math.round(255 * (1 - ink));
        const at = ((top + y) * width + left + x) * 4;
        png.data[at] = value;
        png.data[at + 1] = value;
        png.data[at + 2] = value;
      }
    }
  }
  writeFileAtomic(file, PNG.sync.write(png));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes the review: each panel's PNG at twice its size, captioned above. */
export function writeResultsReview(file: string, panels: readonly ReviewPanel[]): void {
  const gap = 16;
  const captionHeight = 24;
  const images = panels.map((panel) => {
    const bytes = fs.readFileSync(panel.file);
    return {
      ...panel,
      bytes,
      width: bytes.readUInt32BE(16) * 2,
      height: bytes.readUInt32BE(20) * 2,
    };
  });
  const width = images.reduce((sum, image) => sum + image.width + gap, gap);
  const height =
    Math.max(...images.map((image) => image.height)) + captionHeight + 2 * gap + 28;
  let x = gap;
  const parts = images.map((image) => {
    const part =
      `<text x="${x + image.width / 2}" y="${gap + 28 + 16}" font-size="16" ` +
      `text-anchor="middle">${escapeXml(image.caption)}</text>` +
      `<image x="${x}" y="${gap + 28 + captionHeight}" width="${image.width}" ` +
      `height="${image.height}" style="image-rendering:pixelated" ` +
      `href="data:image/png;base64,${image.bytes.toString('base64')}"/>`;
    x += image.width + gap;
    return part;
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<text x="${width / 2}" y="${gap + 16}" font-size="20" text-anchor="middle">` +
    `GAN results review</text>${parts.join('')}</svg>`;
  writeFileAtomic(file, svgToPng(svg));
}

/**
 * Writes `losses.svg` and `losses.png` into `dir`: two panels against
 * epochs, the two losses on the left and mean D(x), D(G(z)) on the right.
 */
export async function writeLossChart(
  dir: string,
  history: readonly ChartPoint[],
): Promise<void> {
  const panelWidth = 360;
  const panelHeight = 220;
  const margin = { left: 56, right: 16, top: 48, bottom: 64 };
  const epochs = history.map((point) => point.epoch);
  const panels = [
    {
      title: 'losses',
      series: [
        { name: 'D loss', color: '#1f77b4', values: history.map((p) => p.dLoss) },
        { name: 'G loss', color: '#d62728', values: history.map((p) => p.gLoss) },
      ],
    },
    {
      title: 'discriminator output',
      series: [
        { name: 'D(x)', color: '#2ca02c', values: history.map((p) => p.dReal) },
        { name: 'D(G(z))', color: '#ff7f0e', values: history.map((p) => p.dFake) },
      ],
    },
  ];
  const xMin = Math.min(...epochs);
  const xMax = Math.max(xMin + 1, ...epochs);
  const body = panels.map((panel, index) => {
    const left = margin.left + index * (panelWidth + margin.left + margin.right);
    const finite = panel.series
      .flatMap((s) => s.values)
      .filter((v) => Number.isFinite(v));
    let yMin = Math.min(0, ...finite);
    let yMax = Math.max(...finite, 1);
    if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 1, yMax + 1];
    const sx = (epoch: number) => left + ((epoch - xMin) / (xMax - xMin)) * panelWidth;
    const sy = (v: number) =>
      margin.top + panelHeight - ((v - yMin) / (yMax - yMin)) * panelHeight;
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => yMin + t * (yMax - yMin));
    const xTicks = [0, 0.5, 1].map((t) => Math.round(xMin + t * (xMax - xMin)));
    const lines = panel.series.map((s) => {
      const points = s.values
        .map((v, i) =>
          Number.isFinite(v) ? `${sx(epochs[i]).toFixed(1)},${sy(v).toFixed(1)}` : '',
        )
        .filter((p) => p !== '')
        .join(' ');
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>`;
    });
    const legend = panel.series.map(
      (s, i) =>
        `<rect x="${left + i * 110}" y="${margin.top + panelHeight + 40}" width="14" height="4" fill="${s.color}"/>` +
        `<text x="${left + i * 110 + 20}" y="${margin.top + panelHeight + 46}" font-size="12">${escapeXml(s.name)}</text>`,
    );
    return [
      `<text x="${left + panelWidth / 2}" y="${margin.top - 12}" font-size="14" text-anchor="middle">${panel.title}</text>`,
      `<rect x="${left}" y="${margin.top}" width="${panelWidth}" height="${panelHeight}" fill="none" stroke="#ccc"/>`,
      ...ticks.map(
        (v) =>
          `<text x="${left - 6}" y="${sy(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(2)}</text>`,
      ),
      ...xTicks.map(
        (e) =>
          `<text x="${sx(e)}" y="${margin.top + panelHeight + 16}" font-size="11" text-anchor="middle">${e}</text>`,
      ),
      `<text x="${left + panelWidth / 2}" y="${margin.top + panelHeight + 30}" font-size="12" text-anchor="middle">epoch</text>`,
      ...lines,
      ...legend,
    ].join('');
  });
  const width = 2 * (panelWidth + margin.left + margin.right);
  const height = margin.top + panelHeight + margin.bottom;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `font-family="${FONT_FAMILY}"><rect width="100%" height="100%" fill="white"/>` +
    `${body.join('')}</svg>\n`;
  writeFileAtomic(path.join(dir, 'losses.svg'), svg);
  writeFileAtomic(path.join(dir, 'losses.png'), svgToPng(svg));
}
