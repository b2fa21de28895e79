import type { Interval } from '../gate/bootstrap.ts';

export const num = (value: number | undefined, digits = 2): string => (value === undefined ? 'n/a' : value.toFixed(digits));
export const usd = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);
export const usdPrecise = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${value.toFixed(5)}`);
export const pct = (value: number | undefined): string => (value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`);
/** A change against today's all-baseline bill, in words: "76.8% less" or "7.0% more". */
export const versusBaseline = (reduction: number | undefined): string =>
  reduction === undefined ? 'n/a' : reduction >= 0 ? `${(reduction * 100).toFixed(1)}% less` : `${(-reduction * 100).toFixed(1)}% more`;
export const count = (value: number | undefined): string => (value === undefined ? 'unknown' : Math.round(value).toLocaleString('en-US'));
export const ci = (interval: Interval | undefined): string =>
  interval === undefined || interval.mean === undefined ? 'n/a' : `${num(interval.mean)} [${num(interval.lower)}, ${num(interval.upper)}]`;

export const OUTCOME_LABEL = { pass: 'PASS', fail: 'FAIL', hold: 'HOLD', skip: 'n/a' } as const;
export const DECISION_LABEL = { go: 'GO', 'no-go': 'NO-GO', hold: 'HOLD' } as const;

/**
 * The one Markdown rule for report.md: text from data (queries, answers, reasons, names) shows as the
 * text it is. A pipe or newline must not break a table, HTML must not become markup, and links and
 * images (`![](http://...)` loads an image when the file is viewed; `[x](javascript:...)` is a link)
 * must not become links: the characters that make them are backslash-escaped (CommonMark lets any
 * ASCII punctuation be escaped), and bare URLs and emails, which GFM turns into links by themselves,
 * are broken up with an escape. What a viewer shows is the original text.
 */
export function cell(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#!|~@]/g, '\\$&')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([A-Za-z][A-Za-z0-9+.-]*):(?=\/\/)/g, '$1\\:')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/^(\s*)([-+=]|\d+[.)])/, (_match, space: string, marker: string) => `${space}${marker.replace(/[-+=.)]$/, '\\$&')}`)
    .replace(/\r?\n/g, ' ');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that is safe inside <script type="application/json">: no "<" can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function excerpt(text: string | undefined, length: number): string {
  if (text === undefined) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}
