import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  lineChartSpec,
  renderChartSvg,
  writeBarChart,
  writeHeatmap,
  writeHistogram,
  writeLineChart,
  type ChartFiles,
} from '../src/report/chart.js';
import { decodePng } from '../src/report/png.js';
import type { Raster } from '../src/report/raster.js';
import { measureText } from '../src/report/svg-render.js';
import { vegaTextWidth } from '../src/report/vega-text.js';

function withTempDir(run: (dir: string) => Promise<void>) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-chart-'));
    try {
      await run(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Reads the PNG and checks it against the size writeChart reported. */
function readChart(files: ChartFiles): { svg: string; png: Raster } {
  const png = decodePng(fs.readFileSync(files.png), files.png);
  assert.equal(png.width, files.width);
  assert.equal(png.height, files.height);
  return { svg: fs.readFileSync(files.svg, 'utf8'), png };
}

/** Pixels darker than mid-gray inside a box (text is black, the page white). */
function darkPixels(png: Raster, x0: number, y0: number, x1: number, y1: number): number {
  let dark = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i] + png.data[i + 1] + png.data[i + 2] < 3 * 128) dark += 1;
    }
  }
  return dark;
}

const epochs = [1, 2, 3, 4, 5];

test(
  'writeLineChart() writes SVG with title, axis and legend text and a matching PNG',
  withTempDir(async (dir) => {
    const files = await writeLineChart(dir, 'history', {
      title: 'Training history',
      panels: [
        {
          title: 'loss',
          series: [
            { name: 'train', x: epochs, y: [1, 0.6, 0.4, 0.3, 0.25] },
            { name: 'validation', x: epochs, y: [1.1, 0.7, NaN, 0.4, 0.35] },
          ],
        },
        {
          title: 'accuracy',
          yDomain: [0, 1],
          series: [{ name: 'train', x: epochs, y: [0.5, 0.7, 0.8, 0.85, 0.9] }],
        },
      ],
    });
    assert.equal(files.svg, path.join(dir, 'history.svg'));
    const { svg, png } = readChart(files);
    for (const text of [
      'Training history',
      'loss',
      'accuracy',
      'epoch',
      'train',
      'validation',
    ]) {
      assert.match(svg, new RegExp(`>${text}</text>`), `SVG lacks "${text}"`);
    }
    assert.match(svg, /font-family="DejaVu Sans"/);

    // The title is centred in the top band: the bundled font must have drawn it.
    const band = darkPixels(
      png,
      Math.floor(png.width / 3),
      0,
      Math.floor((2 * png.width) / 3),
      50,
    );
    assert.ok(band > 200, `expected title pixels at the top, found ${band}`);
    assert.deepEqual(
      fs.readdirSync(dir).sort(),
      ['history.png', 'history.svg'],
      'no temporary files remain',
    );
  }),
);

/** The tick labels of each panel's x axis, read from the SVG vega drew. */
function xTickLabels(svg: string): string[][] {
  return svg
    .split('aria-label="X-axis')
    .slice(1)
    .map((axis) => {
      const labels = axis.slice(0, axis.indexOf('role-axis-domain'));
      return [...labels.matchAll(/>([^<]*)<\/text>/g)].map((m) => m[1]);
    });
}

test('lineChartSpec() ticks whole epochs only, for 2 and for 400 epochs', async () => {
  const ticks = async (x: number[]) =>
    xTickLabels(
      await renderChartSvg(
        lineChartSpec({
          panels: [
            { title: 'loss', series: [{ name: 'a', x, y: x.map(Math.sqrt) }] },
            { title: 'other', series: [{ name: 'b', x, y: x }] },
          ],
        }),
      ),
    );
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  assert.deepEqual(await ticks(range(2)), [
    ['1', '2'],
    ['1', '2'],
  ]);
  assert.deepEqual((await ticks(range(3)))[0], ['1', '2', '3']);
  const long = (await ticks(range(400)))[0];
  assert.ok(long.length >= 3 && long.length <= 12, `ticks ${long.join(' ')}`);
  assert.ok(
    long.every((label) => /^\d+$/.test(label)),
    `ticks ${long.join(' ')}`,
  );
  // Fractional x values keep fractional ticks.
  const fractional = (await ticks([0.5, 1, 1.5, 2]))[0];
  assert.ok(
    fractional.some((label) => label.includes('.')),
    `ticks ${fractional.join(' ')}`,
  );
});

test(
  'writeLineChart() wraps panels into rows of `columns` and formats a lone y tick',
  withTempDir(async (dir) => {
    const panel = (title: string) => ({
      title,
      series: [{ name: 'a', x: [100], y: [14.540263] }],
      yFormat: '.4~g',
    });
    const titles = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const wide = await writeLineChart(dir, 'wide', { panels: titles.map(panel) });
    const wrapped = await writeLineChart(dir, 'wrapped', {
      panels: titles.map(panel),
      columns: 3,
    });
    assert.ok(
      wrapped.width < wide.width * 0.7,
      `wrapped ${wrapped.width} px wide against ${wide.width}`,
    );
    assert.ok(
      wrapped.height > wide.height * 1.5,
      `wrapped ${wrapped.height} px high against ${wide.height}`,
    );
    const { svg } = readChart(wrapped);
    assert.match(svg, />14\.54<\/text>/);
    assert.doesNotMatch(svg, /14\.540263/);
  }),
);

test('lineChartSpec() rejects series whose x and y lengths differ', () => {
  assert.throws(
    () =>
      lineChartSpec({
        panels: [{ title: 'loss', series: [{ name: 'a', x: [1, 2], y: [1] }] }],
      }),
    /panel "loss": series "a" has 2 x values but 1 y values/,
  );
});

test(
  'writeBarChart() draws both layouts with category and series names',
  withTempDir(async (dir) => {
    const spec = {
      title: 'Class balance',
      categories: ['0', '1', '2'],
      series: [
        { name: 'train', values: [600, 700, 650] },
        { name: 'test', values: [100, 110, 90] },
      ],
      xTitle: 'class',
      yTitle: 'images',
    };
    const grouped = readChart(await writeBarChart(dir, 'grouped', spec));
    const panels = readChart(
      await writeBarChart(dir, 'panels', { ...spec, layout: 'panels' }),
    );
    for (const { svg } of [grouped, panels]) {
      assert.match(svg, />Class balance<\/text>/);
      assert.match(svg, />images<\/text>/);
      assert.match(svg, />test<\/text>/);
    }
    assert.ok(panels.png.width > grouped.png.width, 'two panels are wider than one');
  }),
);

test(
  'writeHeatmap() writes each count in its cell',
  withTempDir(async (dir) => {
    const values = [
      [50, 2, 0],
      [3, 41, 7],
      [0, 5, 38],
    ];
    const { svg, png } = readChart(
      await writeHeatmap(dir, 'confusion', {
        title: 'Confusion matrix',
        values,
        xTitle: 'predicted class',
        yTitle: 'true class',
      }),
    );
    for (const text of ['50', '41', '38', '7', 'predicted class', 'true class']) {
      assert.match(svg, new RegExp(`>${text}</text>`), `SVG lacks "${text}"`);
    }
    assert.ok(png.width > 3 * 34 && png.height > 3 * 34);
  }),
);

test('writeHeatmap() rejects a ragged matrix', async () => {
  await assert.rejects(
    writeHeatmap(os.tmpdir(), 'never-written', { values: [[1, 2], [3]] }),
    /row 1 has 1 values, expected 2/,
  );
});

test(
  'writeHistogram() draws one series as bars and several as lines with a legend',
  withTempDir(async (dir) => {
    const edges = [0, 0.25, 0.5, 0.75, 1];
    const single = readChart(
      await writeHistogram(dir, 'one', {
        title: 'Pixels',
        edges,
        series: [{ name: 'train', counts: [80, 5, 5, 10] }],
        xTitle: 'intensity',
      }),
    );
    assert.match(single.svg, />intensity<\/text>/);
    assert.match(single.svg, /role-mark/);
    const several = readChart(
      await writeHistogram(dir, 'two', {
        edges,
        series: [
          { name: 'train', counts: [80, 5, 0, 10] },
          { name: 'test', counts: [78, 6, 6, 10] },
        ],
        yScale: 'log',
      }),
    );
    assert.match(several.svg, />test<\/text>/);
    assert.match(several.svg, /class="mark-line role-mark/);
  }),
);

test('writeHistogram() rejects counts that do not match the bins', async () => {
  await assert.rejects(
    writeHistogram(os.tmpdir(), 'never-written', {
      edges: [0, 0.5, 1],
      series: [{ name: 'train', counts: [1, 2, 3] }],
    }),
    /series "train" has 3 counts for 2 bins/,
  );
});

test('vegaTextWidth() agrees with resvg within two pixels and counts spaces', () => {
  for (const text of ['Pixel intensity distribution', 'share of pixels (%)', 'D(G(z))']) {
    const expected = measureText(text, { fontSize: 12 });
    const width = vegaTextWidth({ fontSize: 12 }, text);
    assert.ok(
      Math.abs(width - expected) <= 2,
      `"${text}": ${width} vs resvg ${expected}`,
    );
  }
  const bold = vegaTextWidth({ fontSize: 15, fontWeight: 'bold' }, 'Class balance');
  assert.ok(
    Math.abs(bold - measureText('Class balance', { fontSize: 15, bold: true })) <= 2,
  );
  assert.ok(
    vegaTextWidth({ fontSize: 10 }, 'a b') > vegaTextWidth({ fontSize: 10 }, 'ab') + 2,
  );
});
