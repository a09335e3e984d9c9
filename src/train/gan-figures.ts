/**
 * The figures of a GAN run, drawn with the shared report functions: the
 * 10x10 sample grid, the chart of losses and discriminator outputs against
 * epochs, and the results review (chosen epochs' grids side by side with
 * real digits, like the case study's "GAN Results Review").
 */
import { writeLineChart } from '../report/chart.js';
import { writeFigureRow } from '../report/figure.js';
import { writeDigitGrid } from '../report/grid.js';

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

/** Pixels between digits of a sample grid. */
const GRID_PADDING = 2;

/**
 * Writes `images` ([N * 784] ink intensities in [0, 1]) as a PNG grid of
 * `columns` digits per row, dark ink on white like the case study's figures.
 * `scale` enlarges each pixel to scale x scale; the training grids keep 1 so
 * that the review of several grids stays a sensible width.
 */
export function writeSampleGrid(
  file: string,
  images: Float32Array,
  columns: number,
  scale = 1,
): void {
  writeDigitGrid(file, images, { columns, scale, padding: GRID_PADDING });
}

/** Writes the review: the panels' grids in a row, each captioned above. */
export function writeResultsReview(file: string, panels: readonly ReviewPanel[]): void {
  writeFigureRow(
    file,
    panels.map((panel) => ({ caption: panel.caption, image: panel.file })),
    { title: 'GAN results review' },
  );
}

/**
 * Writes `losses.svg` and `losses.png` into `dir`: the two losses in one
 * panel, mean D(x) and D(G(z)) in another, against epochs.
 */
export async function writeLossChart(
  dir: string,
  history: readonly ChartPoint[],
): Promise<void> {
  const x = history.map((point) => point.epoch);
  const series = (name: string, pick: (point: ChartPoint) => number) => ({
    name,
    x,
    y: history.map(pick),
  });
  await writeLineChart(dir, 'losses', {
    title: 'GAN training',
    panels: [
      {
        title: 'loss',
        series: [series('D loss', (p) => p.dLoss), series('G loss', (p) => p.gLoss)],
      },
      {
        title: 'discriminator output',
        yTitle: 'mean probability of "real"',
        yDomain: [0, 1],
        series: [series('D(x)', (p) => p.dReal), series('D(G(z))', (p) => p.dFake)],
      },
    ],
  });
}
