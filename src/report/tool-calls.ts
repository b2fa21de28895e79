import type { GateOutcome } from '../gate/run-gate.ts';
import { cell, escapeHtml as h, pct } from './format.ts';

// The report's tool-call agreement per routed tier: on turns where the served answer or the
// baseline called a tool, how often both made the same calls (same tool, arguments equal as JSON).

function rows(outcome: GateOutcome): Array<{ tier: string; turns: number; agreements: number; rate: string }> | string {
  const toolCalls = outcome.toolCalls;
  if (!Array.isArray(toolCalls)) return toolCalls.absent;
  const measured = toolCalls.filter((row) => row.turns > 0);
  if (measured.length === 0) return 'no turn of this run called a tool';
  return measured.map((row) => ({ tier: row.tier, turns: row.turns, agreements: row.agreements, rate: pct(row.rate) }));
}

export function toolCallLines(outcome: GateOutcome): string[] {
  const table = rows(outcome);
  if (typeof table === 'string') return ['## Tool calls', '', `Tool-call agreement: ${cell(table)}.`, ''];
  return [
    '## Tool calls',
    '',
    'Turns where the served answer or the baseline called a tool, and how often both made the same calls (same tool, arguments equal as JSON).',
    '',
    '| tier | tool-call turns | same calls | agreement |',
    '| --- | --- | --- | --- |',
    ...table.map((row) => `| ${row.tier} | ${row.turns} | ${row.agreements} | ${row.rate} |`),
    '',
  ];
}

export function toolCallSection(outcome: GateOutcome): string {
  const table = rows(outcome);
  if (typeof table === 'string') return `<section id="tool-calls"><h2>Tool calls</h2><p class="muted">Tool-call agreement: ${h(table)}.</p></section>`;
  const body = table.map((row) => `<tr><td>${h(row.tier)}</td><td class="num">${row.turns}</td><td class="num">${row.agreements}</td><td class="num">${h(row.rate)}</td></tr>`).join('');
  return `<section id="tool-calls"><h2>Tool calls</h2><p>Turns where the served answer or the baseline called a tool, and how often both made the same calls (same tool, arguments equal as JSON).</p><table><thead><tr><th>tier</th><th>tool-call turns</th><th>same calls</th><th>agreement</th></tr></thead><tbody>${body}</tbody></table></section>`;
}
