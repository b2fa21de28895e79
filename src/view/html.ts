/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already
 * `Html` (built the same way). Text from logs, answers and judge reasons is hostile; with this,
 * forgetting to escape takes effort rather than care.
 */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escape(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!;
  parts.forEach((part, index) => (out += render(part) + strings[index + 1]!));
  return new Html(out);
}

/** Markup we produced ourselves that is not a template (an SVG data URI is attribute-safe base64). */
export function trusted(text: string): Html {
  return new Html(text);
}
