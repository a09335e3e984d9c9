/**
 * Plain-text tables of quality reports, one row per set or epoch, for the
 * terminal and for Markdown documents.
 */
import type { QualityReport } from './quality.js';

/** One labelled row of a table. */
export interface QualityRow {
  /** First column: a set's name or an epoch number. */
  label: string;
  report: QualityReport;
}

const HEADERS = [
  'FID',
  'IS',
  'class H (bits)',
  'max share',
  'min share',
  'confident',
  'NN median',
  'NN ratio',
];

function cells(report: QualityReport): string[] {
  const { inceptionScore: is, coverage, memorisation } = report;
  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  return [
    report.fid.toFixed(2),
    `${is.mean.toFixed(2)} ± ${is.std.toFixed(2)}`,
    coverage.entropyBits.toFixed(3),
    `${percent(coverage.maxShare)} (${coverage.maxClass})`,
    `${percent(coverage.minShare)} (${coverage.minClass})`,
    percent(report.confidentShare),
    memorisation.sampleMedian.toFixed(2),
    memorisation.ratio.toFixed(2),
  ];
}

/** Header line and separator of a table whose first column is `labelTitle`. */
export function tableHeader(labelTitle: string, labelWidth = 18): string[] {
  const widths = columnWidths(labelTitle, labelWidth);
  const header = [labelTitle, ...HEADERS].map((h, i) => h.padEnd(widths[i])).join('  ');
  return [header.trimEnd(), widths.map((w) => '-'.repeat(w)).join('  ')];
}

/** One aligned table line for `row`, matching {@link tableHeader}. */
export function tableLine(row: QualityRow, labelTitle: string, labelWidth = 18): string {
  const widths = columnWidths(labelTitle, labelWidth);
  return [row.label, ...cells(row.report)]
    .map((cell, i) => cell.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
}

function columnWidths(labelTitle: string, labelWidth: number): number[] {
  return [Math.max(labelTitle.length, labelWidth), 7, 13, 14, 12, 12, 9, 9, 8];
}

/** The rows as a Markdown table. */
export function markdownTable(rows: QualityRow[], labelTitle: string): string[] {
  const lines = [
    `| ${[labelTitle, ...HEADERS].join(' | ')} |`,
    `|${[labelTitle, ...HEADERS].map(() => ' --- ').join('|')}|`,
  ];
  for (const row of rows)
    lines.push(`| ${[row.label, ...cells(row.report)].join(' | ')} |`);
  return lines;
}
