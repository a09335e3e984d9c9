/**
 * Charts for run reports, drawn by vega-lite and vega and rasterized by resvg
 * with the bundled DejaVu font: line charts of metrics against epochs, bar
 * charts, heatmaps (confusion matrices) and histograms. Each chart is written
 * as `<name>.svg` (crisp, for reading) and `<name>.png` (for embedding), both
 * atomically.
 *
 * The builders (`lineChartSpec` and friends) return plain vega-lite specs, so
 * a caller can tweak one before handing it to {@link writeChart}.
 */
import * as path from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

import { writeFileAtomic } from '../util/fs-atomic.js';
import { FONT_FAMILY, svgToPng } from './svg-render.js';
import { useBundledFontMetrics } from './vega-text.js';

/** Paths and pixel size of a written chart. */
export interface ChartFiles {
  svg: string;
  png: string;
  /** Size of the PNG in pixels. */
  width: number;
  height: number;
}

/** Options for {@link writeChart}. */
export interface ChartWriteOptions {
  /** PNG pixels per SVG unit; 2 keeps text sharp on high-density screens. Default 2. */
  scale?: number;
}

/** Look shared by every chart: the bundled font, readable sizes, white page. */
const CHART_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, subtitleFontSize: 12, anchor: 'middle' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Renders a vega-lite spec to SVG text (headless vega, no browser or canvas).
 * The shared font and style are merged under the spec's own `config`.
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  useBundledFontMetrics();
  const styled = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } };

  // Library code never prints: vega and vega-lite would send their warnings
  // (e.g. an empty log-scale domain) to the console, so they are muted here
  // and real errors still arrive as exceptions.
  const silent = vega.logger(vega.None);
  const compiled = vegaLite.compile(styled as TopLevelSpec, { logger: silent }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: silent });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders `spec` and writes `<dir>/<name>.svg` and `<dir>/<name>.png`.
 *
 * ```ts
 * await writeChart('runs/x', 'loss', lineChartSpec({ panels: [...] }));
 * ```
 */
export async function writeChart(
  dir: string,
  name: string,
  spec: TopLevelSpec,
  options: ChartWriteOptions = {},
): Promise<ChartFiles> {
  const svg = await renderChartSvg(spec);
  const png = svgToPng(svg, { scale: options.scale ?? 2, background: 'white' });
  const files = {
    svg: path.join(dir, `${name}.svg`),
    png: path.join(dir, `${name}.png`),
  };
  writeFileAtomic(files.svg, svg);
  writeFileAtomic(files.png, png);

  // Width and height sit in the PNG header (IHDR), big-endian at bytes 16-23.
  return { ...files, width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Non-finite values become null, which vega-lite draws as a gap. */
function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

// ---------------------------------------------------------------------------
// Line charts

/** One line: `y[i]` at `x[i]` (e.g. epochs 1..N). */
export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

/** One panel of a line chart, with its own y axis. */
export interface LinePanel {
  /** Panel title, e.g. "loss". */
  title: string;
  /** Y axis title. Default: the panel title. */
  yTitle?: string;
  series: readonly LineSeries[];
  /** Fixed y range, e.g. [0, 1] for accuracy. Default: fitted to the data. */
  yDomain?: [number, number];
  /**
   * d3 number format of the y axis labels, e.g. ".4~g". Default: vega's,
   * which prints a lone tick (a panel with one point) with every digit.
   */
  yFormat?: string;
}

/** A line chart of one or more panels side by side sharing one legend. */
export interface LineChartSpec {
  title?: string;
  /** X axis title. Default "epoch". */
  xTitle?: string;
  panels: readonly LinePanel[];
  /** Panels per row; more wrap onto further rows. Default: all in one row. */
  columns?: number;
  /** Size of each panel's plot area in pixels. Default 320x220. */
  width?: number;
  height?: number;
}

/**
 * Builds a vega-lite spec for {@link LineChartSpec}. Series with the same name
 * in different panels share a colour (e.g. "train" and "validation" in both a
 * loss and an accuracy panel). NaN and infinite points leave a gap.
 */
export function lineChartSpec(spec: LineChartSpec): TopLevelSpec {
  if (spec.panels.length === 0) {
    throw new RangeError('building a line chart: expected at least one panel, got none');
  }
  const names = [...new Set(spec.panels.flatMap((p) => p.series.map((s) => s.name)))];
  // Epochs are whole numbers: with few of them vega would tick at 1.5, 2.5,
  // which reads as if half epochs existed. Integer x values get integer
  // ticks only; any fractional x keeps the default ticks.
  const integerX = spec.panels.every((panel) =>
    panel.series.every((series) => series.x.every((x) => Number.isInteger(x))),
  );
  const panels = spec.panels.map((panel) => {
    const values = panel.series.flatMap((series) => {
      if (series.x.length !== series.y.length) {
        throw new RangeError(
          `building line chart panel "${panel.title}": series "${series.name}" has ` +
            `${series.x.length} x values but ${series.y.length} y values`,
        );
      }
      return series.x.map((x, i) => ({
        series: series.name,
        x,
        y: finiteOrNull(series.y[i]),
      }));
    });
    const pointsPerSeries = Math.max(0, ...panel.series.map((s) => s.x.length));
    return {
      title: panel.title,
      width: spec.width ?? 320,
      height: spec.height ?? 220,
      data: { values },
      // Points mark each epoch while they are few enough to tell apart.
      mark: { type: 'line', point: pointsPerSeries <= 30, strokeWidth: 2 },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: spec.xTitle ?? 'epoch',
          scale: { zero: false, nice: false },
          ...(integerX ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
        },
        y: {
          field: 'y',
          type: 'quantitative',
          title: panel.yTitle ?? panel.title,
          scale: panel.yDomain ? { domain: panel.yDomain, zero: false } : { zero: false },
          ...(panel.yFormat === undefined ? {} : { axis: { format: panel.yFormat } }),
        },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: names },
          legend: { orient: 'bottom' },
        },
      },
    };
  });
  return {
    $schema: SCHEMA,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    ...(spec.columns !== undefined && spec.columns < panels.length
      ? { concat: panels, columns: spec.columns }
      : { hconcat: panels }),
    resolve: { scale: { color: 'shared', y: 'independent' } },
  } as TopLevelSpec;
}

/** Writes a line chart (see {@link lineChartSpec}) as `<name>.svg/.png`. */
export async function writeLineChart(
  dir: string,
  name: string,
  spec: LineChartSpec,
): Promise<ChartFiles> {
  return writeChart(dir, name, lineChartSpec(spec));
}

// ---------------------------------------------------------------------------
// Bar charts

/** Bars for each category, one bar per series (e.g. train and test per digit). */
export interface BarChartSpec {
  title?: string;
  /** Category names along x, in display order, e.g. "0".."9". */
  categories: readonly string[];
  /** One value per category per series. */
  series: ReadonlyArray<{ name: string; values: readonly number[] }>;
  xTitle?: string;
  yTitle?: string;
  /**
   * 'grouped' (default): series side by side in one panel.
   * 'panels': one panel per series with its own y axis, for series of very
   * different totals (60,000 training images against 10,000 test images).
   */
  layout?: 'grouped' | 'panels';
  /** Plot width per panel in pixels. Default 360 grouped, 260 per panel. */
  width?: number;
}

/** Builds a vega-lite spec for {@link BarChartSpec}. */
export function barChartSpec(spec: BarChartSpec): TopLevelSpec {
  const names = spec.series.map((s) => s.name);
  const values = spec.series.flatMap((series) => {
    if (series.values.length !== spec.categories.length) {
      throw new RangeError(
        `building a bar chart: series "${series.name}" has ${series.values.length} ` +
          `values for ${spec.categories.length} categories`,
      );
    }
    return spec.categories.map((category, i) => ({
      category,
      series: series.name,
      value: finiteOrNull(series.values[i]),
    }));
  });
  const x = {
    field: 'category',
    type: 'nominal',
    sort: [...spec.categories],
    title: spec.xTitle ?? null,
    axis: { labelAngle: 0 },
  };
  const y = { field: 'value', type: 'quantitative', title: spec.yTitle ?? null };
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: names },
    legend: { orient: 'bottom' },
  };
  const title = spec.title === undefined ? {} : { title: spec.title };

  if (spec.layout === 'panels') {
    return {
      $schema: SCHEMA,
      ...title,
      hconcat: spec.series.map((series) => ({
        title: series.name,
        width: spec.width ?? 260,
        height: 200,
        data: { values: values.filter((v) => v.series === series.name) },
        mark: 'bar',
        encoding: { x, y, color: { ...color, legend: null } },
      })),
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec;
  }
  return {
    $schema: SCHEMA,
    ...title,
    width: spec.width ?? 360,
    height: 220,
    data: { values },
    mark: 'bar',
    encoding: { x, y, xOffset: { field: 'series', sort: names }, color },
  } as TopLevelSpec;
}

/** Writes a bar chart (see {@link barChartSpec}) as `<name>.svg/.png`. */
export async function writeBarChart(
  dir: string,
  name: string,
  spec: BarChartSpec,
): Promise<ChartFiles> {
  return writeChart(dir, name, barChartSpec(spec));
}

// ---------------------------------------------------------------------------
// Heatmaps

/** A matrix of numbers drawn as coloured cells, e.g. a confusion matrix. */
export interface HeatmapSpec {
  title?: string;
  /** `values[row][column]`; rows run down the y axis. */
  values: readonly (readonly number[])[];
  /** Names of the rows (y axis) and columns (x axis). Default "0", "1", ... */
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
  /** Axis titles, e.g. "true class" and "predicted class". */
  yTitle?: string;
  xTitle?: string;
  /** Legend title for the colour scale. Default "count". */
  valueTitle?: string;
  /** Write each value in its cell. Default true. */
  showValues?: boolean;
  /** d3 number format for the cell text. Default ",d" (whole numbers). */
  valueFormat?: string;
  /** Side of one cell in pixels. Default 34. */
  cellSize?: number;
}

/**
 * Builds a vega-lite spec for {@link HeatmapSpec}. Cell text switches from
 * black to white on the darker half of the colour scale so it stays legible.
 */
export function heatmapSpec(spec: HeatmapSpec): TopLevelSpec {
  const rows = spec.values.length;
  const columns = rows === 0 ? 0 : spec.values[0].length;
  if (rows === 0 || columns === 0) {
    throw new RangeError('building a heatmap: expected a non-empty matrix, got none');
  }
  const rowLabels = spec.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i));
  const columnLabels =
    spec.columnLabels ?? Array.from({ length: columns }, (_, i) => String(i));
  if (rowLabels.length !== rows || columnLabels.length !== columns) {
    throw new RangeError(
      `building a heatmap: ${rows}x${columns} values but ${rowLabels.length} row and ` +
        `${columnLabels.length} column labels`,
    );
  }
  const values = spec.values.flatMap((row, r) => {
    if (row.length !== columns) {
      throw new RangeError(
        `building a heatmap: row ${r} has ${row.length} values, expected ${columns}`,
      );
    }
    return row.map((value, c) => ({
      row: rowLabels[r],
      column: columnLabels[c],
      value: finiteOrNull(value),
    }));
  });
  const finite = values.flatMap((v) => (v.value === null ? [] : [v.value]));
  const midpoint = (Math.min(...finite) + Math.max(...finite)) / 2;
  const cell = spec.cellSize ?? 34;
  const x = {
    field: 'column',
    type: 'ordinal',
    sort: [...columnLabels],
    title: spec.xTitle ?? null,
    axis: { labelAngle: 0, orient: 'bottom' },
  };
  const y = {
    field: 'row',
    type: 'ordinal',
    sort: [...rowLabels],
    title: spec.yTitle ?? null,
  };
  const layers: object[] = [
    {
      mark: 'rect',
      encoding: {
        color: {
          field: 'value',
          type: 'quantitative',
          title: spec.valueTitle ?? 'count',
          scale: { scheme: 'blues' },
        },
      },
    },
  ];
  if (spec.showValues !== false) {
    layers.push({
      mark: { type: 'text', fontSize: Math.max(8, Math.round(cell / 3.4)) },
      encoding: {
        text: { field: 'value', type: 'quantitative', format: spec.valueFormat ?? ',d' },
        color: {
          condition: { test: `datum.value > ${midpoint}`, value: 'white' },
          value: 'black',
        },
      },
    });
  }
  return {
    $schema: SCHEMA,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    width: cell * columns,
    height: cell * rows,
    data: { values },
    encoding: { x, y },
    layer: layers,
  } as TopLevelSpec;
}

/** Writes a heatmap (see {@link heatmapSpec}) as `<name>.svg/.png`. */
export async function writeHeatmap(
  dir: string,
  name: string,
  spec: HeatmapSpec,
): Promise<ChartFiles> {
  return writeChart(dir, name, heatmapSpec(spec));
}

// ---------------------------------------------------------------------------
// Histograms

/**
 * A histogram from counts already binned by the caller (binning millions of
 * pixels is done once in typed arrays, not by vega).
 */
export interface HistogramSpec {
  title?: string;
  /** Bin edges, ascending: bin i spans [edges[i], edges[i + 1]). */
  edges: readonly number[];
  /** One count per bin per series; several series are overlaid. */
  series: ReadonlyArray<{ name: string; counts: readonly number[] }>;
  xTitle?: string;
  yTitle?: string;
  /**
   * 'linear' (default) or 'log', for distributions where one bin dwarfs the
   * rest (MNIST's blank pixels). On a log axis empty bins are left out.
   */
  yScale?: 'linear' | 'log';
  width?: number;
}

/** Builds a vega-lite spec for {@link HistogramSpec}. */
export function histogramSpec(spec: HistogramSpec): TopLevelSpec {
  const bins = spec.edges.length - 1;
  if (bins < 1) {
    throw new RangeError(
      `building a histogram: expected at least 2 bin edges, got ${spec.edges.length}`,
    );
  }
  const values = spec.series.flatMap((series) => {
    if (series.counts.length !== bins) {
      throw new RangeError(
        `building a histogram: series "${series.name}" has ${series.counts.length} ` +
          `counts for ${bins} bins`,
      );
    }
    return series.counts.map((count, i) => ({
      series: series.name,
      start: spec.edges[i],
      end: spec.edges[i + 1],
      // log(0) has no place on a log axis; null drops the bar.
      count: spec.yScale === 'log' && count <= 0 ? null : finiteOrNull(count),
    }));
  });
  const x = {
    title: spec.xTitle ?? null,
    scale: { domain: [spec.edges[0], spec.edges[bins]] },
  };
  const y = {
    field: 'count',
    type: 'quantitative',
    title: spec.yTitle ?? 'count',
    scale: { type: spec.yScale ?? 'linear' },
  };
  const header = {
    $schema: SCHEMA,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    width: spec.width ?? 380,
    height: 220,
    data: { values },
  };
  if (spec.series.length === 1) {
    return {
      ...header,
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: {
        x: { ...x, field: 'start', type: 'quantitative', bin: { binned: true } },
        x2: { field: 'end' },
        y,
      },
    } as TopLevelSpec;
  }

  // Several series: overlaid bars of similar distributions blend into one
  // colour that matches no legend entry, so each series is drawn as a line
  // through its bin centres (a frequency polygon), dashed after the first.
  const names = spec.series.map((s) => s.name);
  return {
    ...header,
    transform: [{ calculate: '(datum.start + datum.end) / 2', as: 'centre' }],
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { ...x, field: 'centre', type: 'quantitative' },
      y,
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: names },
        legend: { orient: 'bottom' },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: names, range: names.map((_, i) => (i === 0 ? [1, 0] : [6, 3])) },
        legend: { orient: 'bottom' },
      },
    },
  } as TopLevelSpec;
}

/** Writes a histogram (see {@link histogramSpec}) as `<name>.svg/.png`. */
export async function writeHistogram(
  dir: string,
  name: string,
  spec: HistogramSpec,
): Promise<ChartFiles> {
  return writeChart(dir, name, histogramSpec(spec));
}
