import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { renderChart } from '../report/svg-chart.ts';
import { svgToPng } from './chart-png.ts';

/** The PNG's pixels, decoded by drawing it as an <image> (resvg reads PNG), as RGBA. */
function decode(png: { base64: string; width: number; height: number }): Uint8Array {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${png.width}" height="${png.height}"><image width="${png.width}" height="${png.height}" xlink:href="data:image/png;base64,${png.base64}"/></svg>`;
  return new Resvg(svg).render().pixels;
}

function darkPixels(rgba: Uint8Array): number {
  let dark = 0;
  for (let index = 0; index < rgba.length; index += 4) if (rgba[index + 3]! > 200 && rgba[index]! + rgba[index + 1]! + rgba[index + 2]! < 300) dark += 1;
  return dark;
}

describe('svgToPng', () => {
  it("rasterises a Vega chart at twice its CSS size, with the chart's marks and labels drawn", async () => {
    const chart = await renderChart({ title: 'score by tier', mark: 'bar', encoding: { x: { field: 'tier', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } } }, ['tier', 'n'], [
      ['simple', 70],
      ['medium', 25],
      ['complex', 5],
    ]);
    const png = await svgToPng(chart.svg);
    const bytes = Buffer.from(png.base64, 'base64');
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    const svgWidth = Number(/^<svg [^>]*width="([\d.]+)"/.exec(chart.svg)![1]);
    expect(png.width).toBe(Math.round(svgWidth));
    expect(bytes.readUInt32BE(16)).toBe(png.width * 2);
    expect(bytes.readUInt32BE(20)).toBe(png.height * 2);
    const pixels = decode(png);
    // Vega's default bars are blue: some pixels are clearly blue, and axis lines and labels are dark.
    let blue = 0;
    for (let index = 0; index < pixels.length; index += 4) if (pixels[index + 2]! > 150 && pixels[index]! < 120) blue += 1;
    expect(blue).toBeGreaterThan(500);
    expect(darkPixels(pixels)).toBeGreaterThan(100);
  });

  it('draws text labels (a chart whose labels vanished would pass a bars-only check)', async () => {
    const label = (text: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><rect width="120" height="30" fill="white"/><text x="4" y="20" font-family="sans-serif" font-size="14">${text}</text></svg>`;
    const withText = decode(await svgToPng(label('medium 4.21')));
    const blank = decode(await svgToPng(label('')));
    expect(darkPixels(blank)).toBe(0);
    expect(darkPixels(withText)).toBeGreaterThan(40);
  });
});
