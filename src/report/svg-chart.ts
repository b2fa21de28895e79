/** A Vega-Lite spec without its data: the rows become `data.values`. */
export type ChartSpec = Record<string, unknown> & { title?: string };

export interface RenderedChart {
  title: string;
  /** The Vega-Lite v5 spec with the cell's rows inlined, for application/vnd.vegalite.v5+json. */
  vegaLite: Record<string, unknown>;
  /** The same chart drawn by Vega in Node: the fallback for renderers without Vega (GitHub, nbconvert). */
  svg: string;
}

/**
 * JupyterLab and VS Code render application/vnd.vegalite.v5+json with Vega-Lite 5, so the spec
 * says v5; the notebooks' charts use nothing newer. Compiled with the project's vega-lite and drawn
 * with vega's headless SVG renderer (which escapes the text it draws), both loaded only when a
 * notebook has a chart.
 */
export async function renderChart(spec: ChartSpec, columns: string[], rows: unknown[][]): Promise<RenderedChart> {
  const values = rows.map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index] ?? null])));
  const vegaLite = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...spec, data: { values } };
  const [{ compile }, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(compile(vegaLite as never).spec), { renderer: 'none' });
  try {
    return { title: typeof spec.title === 'string' ? spec.title : 'chart', vegaLite, svg: await view.toSVG() };
  } finally {
    view.finalize();
  }
}
