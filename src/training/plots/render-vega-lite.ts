/**
 * Headless chart rendering: a vega-lite spec is compiled to vega, rendered to
 * SVG without a canvas or a browser (`renderer: 'none'`), and sharp (librsvg)
 * turns the SVG into PNG. Text needs a system font: on Debian,
 * `fonts-dejavu-core` (scripts/setup.sh installs it); without one librsvg
 * draws boxes.
 *
 * @example
 * const png = await renderVegaLite({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } });
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** The font every chart names (Debian's fonts-dejavu-core; librsvg falls back to any sans). */
export const plotFont = 'DejaVu Sans, sans-serif';

/** Options for `renderVegaLite`. */
export interface RenderOptions {
  /** Pixels per chart unit (2 gives sharp text on high-density screens). Default 2. */
  scale?: number;
}

/**
 * The SVG of a vega-lite spec, rendered headless.
 *
 * @example
 * const svg = await vegaLiteToSvg(spec);
 */
export async function vegaLiteToSvg(spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  const withFont = { ...spec, config: { font: plotFont, ...spec.config } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withFont).spec), { renderer: 'none' });
  try {
    return await view.toSVG(options.scale ?? 2);
  } finally {
    view.finalize();
  }
}

/**
 * A PNG of an SVG document, on a white background.
 *
 * @example
 * const png = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}

/**
 * A PNG of a vega-lite spec. With `autosize: { type: 'fit', contains: 'padding' }`
 * (what the project's charts use) the PNG is exactly `width × scale` by `height × scale`.
 *
 * @example
 * const png = await renderVegaLite({ width: 300, height: 200, data: { values }, mark: 'line', encoding }, { scale: 1 });
 */
export async function renderVegaLite(spec: TopLevelSpec, options: RenderOptions = {}): Promise<Buffer> {
  return svgToPng(await vegaLiteToSvg(spec, options));
}
