/**
 * Candidate and customer text goes into the judge prompt inside <tag>...</tag> sections.
 * Escaping the three markup characters means no text can close its section and pose as
 * instructions or as another section.
 */
export function neutralise(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function section(tag: string, text: string): string {
  return `<${tag}>\n${neutralise(text)}\n</${tag}>`;
}
