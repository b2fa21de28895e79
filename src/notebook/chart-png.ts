/** A chart rasterised for notebook renderers that show no SVG (nbconvert 6.5 sanitises it to its text labels). */
export interface ChartPng {
  /** The PNG file, base64 (nbformat stores binary outputs so). */
  base64: string;
  /** Display size in CSS pixels: the SVG's own size; the PNG holds SCALE times as many pixels per side. */
  width: number;
  height: number;
}

/** Pixels per CSS pixel: sharp on high-density screens, at about 4x the bytes of a 1x image. */
const SCALE = 2;

/**
 * Rasterises Vega's SVG with resvg (a native renderer shipped as a prebuilt binary in the npm
 * package, loaded only when a notebook has a chart). Text is drawn with the machine's fonts: when
 * none has the family Vega names (sans-serif), resvg falls back to one that has the glyphs; on a
 * machine with no fonts at all the chart comes out without its labels.
 */
export async function svgToPng(svg: string): Promise<ChartPng> {
  const { Resvg } = await import('@resvg/resvg-js');
  const image = new Resvg(svg, { fitTo: { mode: 'zoom', value: SCALE }, font: { loadSystemFonts: true } }).render();
  return { base64: image.asPng().toString('base64'), width: Math.round(image.width / SCALE), height: Math.round(image.height / SCALE) };
}
