/**
 * Turbo (Mikhailov, Google AI 2019), the perceptual rainbow colormap Grad-CAM
 * overlays are drawn in: dark blue for 0 through green to dark red for 1.
 * Written here as 33 stops (every 1/32 of the map, 8-bit sRGB) with linear
 * interpolation between them, within 4/255 of the full 256-entry table.
 *
 * @example
 * turbo(1); // [122, 4, 3]
 */

/** Turbo at i/32 for i = 0..32. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [48, 18, 59], [57, 42, 115], [64, 64, 162], [68, 86, 199], [70, 107, 227], [70, 128, 246], [66, 148, 255],
  [55, 168, 250], [40, 188, 235], [28, 205, 216], [24, 221, 194], [31, 233, 175], [50, 242, 152], [78, 249, 125],
  [109, 254, 98], [139, 255, 75], [164, 252, 60], [185, 246, 53], [205, 236, 52], [223, 223, 55], [238, 207, 58],
  [248, 190, 57], [253, 172, 52], [254, 150, 43], [251, 126, 33], [244, 102, 23], [235, 80, 14], [223, 63, 8],
  [208, 47, 5], [190, 33, 2], [169, 22, 1], [146, 11, 1], [122, 4, 3],
]; // prettier-ignore

/**
 * The turbo color of `value` (clamped to [0, 1]; NaN reads as 0) as 8-bit RGB.
 *
 * @example
 * turbo(0.5); // [164, 252, 60]
 */
export function turbo(value: number): [number, number, number] {
  const x = Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value)) * (STOPS.length - 1);
  const i = Math.min(Math.floor(x), STOPS.length - 2);
  const f = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}
