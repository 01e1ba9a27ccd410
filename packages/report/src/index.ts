// Browser-safe entry: no Node built-ins here or in anything it imports (see node.ts for files).
export { METRICS_BASE_COLUMNS, metricsColumns, assertValidColumns, type MetricsBaseColumn } from './columns.js';
export { csvHeader, csvRow, formatCell, formatNumber, parseCsv, parseCsvTable, type CellValue, type TableRow, type ParsedRow } from './csv.js';
export { jsonlLine, parseJsonl, stringifyWithNonFinite, encodeNonFinite, decodeNonFinite } from './jsonl.js';
export { seedStats, type SeedStats } from './seed-stats.js';
export { markdownTable, formatMeanStd } from './markdown-table.js';
export { isMultiSeedSummary, seedDirName, type RunSummary, type MultiSeedSummary, type Summary } from './summary.js';
export { linePlotSvg, type LinePlotOptions, type LineSeries } from './plot/line-plot.js';
export { scatterPlotSvg, type ScatterPlotOptions, type ScatterSeries } from './plot/scatter-plot.js';
export { SERIES_PALETTE } from './plot/palette.js';
export { escapeXml } from './plot/escape.js';
