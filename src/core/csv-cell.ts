/**
 * The one rule for every CSV the project writes (store export, spot-check export, and any later one).
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return, which some strip
 * before looking) as a formula: `=HYPERLINK(...)` from a customer's query would run in Excel or Sheets
 * (CSV injection, OWASP). Such a text cell gets a leading apostrophe, which spreadsheets show as text.
 * Applied to text cells only: numbers stay numbers (-0.5 is not a formula).
 */
export const FORMULA_PREFIXES = ['=', '+', '-', '@', '\t', '\r'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The same rule as a DuckDB SQL expression over a VARCHAR expression (for COPY ... FORMAT csv). */
export function spreadsheetSafeSql(expression: string): string {
  const prefixes = FORMULA_PREFIXES.map((prefix) => (prefix === '\t' ? 'chr(9)' : prefix === '\r' ? 'chr(13)' : `'${prefix}'`)).join(', ');
  return `CASE WHEN left(${expression}, 1) IN (${prefixes}) THEN '''' || ${expression} ELSE ${expression} END`;
}
