import { html, trusted, type Html } from './html.ts';

/** Builds links that carry the access token: every page and form of the viewer needs it. */
export type LinkTo = (path: string, params?: Record<string, string | number | undefined>) => string;

export function linker(token: string): LinkTo {
  return (path, params = {}) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
    search.set('token', token);
    return `${path}?${search.toString()}`;
  };
}

/** Unknown is shown as unknown, never as 0. */
export function num(value: unknown, digits = 2): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '—';
  return typeof value === 'number' ? (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(digits)) : String(value);
}

export function usd(value: unknown): string {
  if (typeof value !== 'number') return '—';
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: value < 1 ? 4 : 2 })}`;
}

export function signed(value: unknown, digits = 2): string {
  if (typeof value !== 'number') return '—';
  return `${value > 0 ? '+' : ''}${value.toFixed(digits)}`;
}

export function day(value: unknown): string {
  return typeof value === 'string' ? value.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2125; margin: 0; }
nav { background: #1d2125; color: #fff; padding: 8px 20px; }
nav a { color: #fff; margin-right: 14px; text-decoration: none; } nav a:hover { text-decoration: underline; }
nav .brand { font-weight: 600; margin-right: 24px; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 20px 60px; }
h1 { font-size: 22px; margin: 14px 0 6px; } h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid #dee2e6; padding-bottom: 3px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0; }
th, td { border: 1px solid #dee2e6; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; } td.num { text-align: right; white-space: nowrap; }
tr.worst td { background: #fff4e6; } .badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; color: #fff; }
.go { background: #2b8a3e; } .no-go { background: #c92a2a; } .hold { background: #e67700; } .none { background: #868e96; }
.muted { color: #868e96; } .error { color: #c92a2a; }
.answers { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 14px; }
.answer { border: 1px solid #dee2e6; border-radius: 8px; padding: 10px 12px; }
.answer h3 { margin: 0 0 6px; font-size: 15px; } .answer dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 6px 0; font-size: 13px; }
.answer dt { color: #495057; } .answer dd { margin: 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; background: #f8f9fa; padding: 8px; border-radius: 6px; font-size: 13px; }
.score { font-size: 20px; font-weight: 600; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; background: #f8f9fa; padding: 10px; border-radius: 8px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #495057; }
.pager { margin: 10px 0; } .pager a, .pager span { margin-right: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; } figure { margin: 0; } figcaption { font-size: 12px; color: #495057; }
td.excerpt { max-width: 520px; overflow-wrap: anywhere; }
`;

export interface PageOptions {
  title: string;
  nonce: string;
  link: LinkTo;
  /** Seconds: the page reloads itself (while a run is being prepared). */
  refresh?: number;
}

export function page(options: PageOptions, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.refresh === undefined ? '' : html`<meta http-equiv="refresh" content="${options.refresh}">`}
<title>${options.title} · hybrid-eval view</title>
<style nonce="${options.nonce}">${trusted(STYLE)}</style>
</head><body>
<nav><span class="brand">hybrid-eval view</span><a href="${options.link('/')}">Latest run</a><a href="${options.link('/runs')}" id="nav-runs">Runs</a><a href="${options.link('/compare')}">Compare runs</a><span class="muted">read-only</span></nav>
<main>${body}</main>
</body></html>
`.text;
}
