import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml as h, scriptJson } from './format.ts';

export interface PageChart {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/**
 * A self-contained page of Vega-Lite charts (load test curve, capacity plan), drawn the way the
 * report draws its own: compiled here in Node, Vega's runtime inlined, no network.
 */
export async function renderChartPage(title: string, intro: string, charts: readonly PageChart[], tableHtml = ''): Promise<string> {
  const { compile } = await import('vega-lite');
  const specs: Record<string, unknown> = {};
  for (const chart of charts) specs[chart.id] = compile(chart.spec).spec;
  const figures = charts
    .map((chart) => `<figure data-chart="${chart.id}"><h3>${h(chart.title)}</h3><div class="chart" id="${chart.id}"></div><figcaption>${h(chart.caption)}</figcaption></figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<title>${h(title)}</title>
<style>body { font: 15px/1.45 system-ui, sans-serif; max-width: 1000px; margin: 0 auto; padding: 0 20px 40px; }
figure { margin: 16px 0; padding: 12px; border: 1px solid #dee2e6; border-radius: 8px; } figcaption { font-size: 13px; color: #495057; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #dee2e6; padding: 3px 6px; } td.num { text-align: right; }</style>
</head>
<body>
<h1>${h(title)}</h1>
<p>${h(intro)}</p>
${figures}
${tableHtml}
<script type="application/json" id="chart-specs">${scriptJson(specs)}</script>
<script>${vegaScript()}</script>
<script>(function () {
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  Object.keys(specs).forEach(function (id) {
    var box = document.getElementById(id);
    try {
      new vega.View(vega.parse(specs[id]), { renderer: 'svg', container: box }).runAsync().then(
        function () { box.setAttribute('data-rendered', 'true'); },
        function (error) { box.textContent = 'chart failed: ' + error; });
    } catch (error) { box.textContent = 'chart failed: ' + error; }
  });
})();</script>
</body>
</html>
`;
}

let runtime: string | undefined;

function vegaScript(): string {
  if (runtime === undefined) {
    const moduleFile = fileURLToPath(import.meta.resolve('vega'));
    runtime = readFileSync(join(dirname(moduleFile), 'vega.min.js'), 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  }
  return runtime;
}
