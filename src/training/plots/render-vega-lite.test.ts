import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { renderVegaLite, svgToPng } from './render-vega-lite.js';

test('renderVegaLite: a fit-sized chart is width × scale by height × scale pixels', async () => {
  const png = await renderVegaLite(
    {
      width: 200,
      height: 120,
      autosize: { type: 'fit', contains: 'padding' },
      data: {
        values: [
          { x: 0, y: 1 },
          { x: 1, y: 3 },
        ],
      },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    },
    { scale: 1.5 },
  );
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 300, 180]);
});

test('text renders with real glyphs (a system font is installed: fonts-dejavu-core)', async () => {
  // Without a font librsvg draws the same box for every character: two different words come out identical.
  const word = async (text: string): Promise<Buffer> =>
    sharp(
      await svgToPng(
        `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30" font-family="DejaVu Sans, sans-serif" font-size="20"><text x="4" y="22">${text}</text></svg>`,
      ),
    )
      .raw()
      .toBuffer();
  const [lll, www] = await Promise.all([word('llll'), word('WWWW')]);
  const ink = (pixels: Buffer): number => pixels.reduce((n, v) => n + (v < 128 ? 1 : 0), 0);
  assert.ok(ink(lll) > 0, 'the text has ink');
  assert.ok(ink(www) > 2 * ink(lll), `'WWWW' has far more ink than 'llll' (${ink(www)} vs ${ink(lll)}): glyphs, not boxes`);
});
