/**
 * Headless plots of a run: training curves, the confusion matrix and a grid
 * of sample predictions, as PNG (vega-lite → vega → SVG → sharp).
 *
 * @example
 * import { renderCurves, renderConfusionMatrix, renderSampleGrid } from './plots/index.js';
 */
export { renderVegaLite, vegaLiteToSvg, svgToPng, plotFont } from './render-vega-lite.js';
export type { RenderOptions } from './render-vega-lite.js';
export { renderCurves, defaultCurveCharts } from './render-curves.js';
export type { CurveChart, CurvesOptions, RenderedPlot } from './render-curves.js';
export { renderConfusionMatrix, normalizeConfusion, confusionMatrixSpec, mostConfusedClasses } from './render-confusion-matrix.js';
export type { ConfusionMatrixPlotOptions, ConfusionMatrixSpec, ConfusionNormalization } from './render-confusion-matrix.js';
export { renderSampleGrid, floatToRawImage } from './render-sample-grid.js';
export type { FloatImage, GridSample, SampleGridOptions } from './render-sample-grid.js';
export { renderReliabilityDiagram, reliabilitySpec } from './render-reliability.js';
export type { ReliabilityPlotBin, ReliabilitySeries } from './render-reliability.js';
export { writeFileReplacing } from './write-file-replacing.js';
export { classNamesOf } from './class-names.js';
export { reportHtml, formatMetric, escapeHtml, reportSections, withReportSection } from './report-html.js';
export type { ReportContent, ReportImage, ReportSection } from './report-html.js';
