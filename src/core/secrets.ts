/**
 * Credentials in URLs and known key values, removed from text that is stored, printed or exported.
 * A gateway may take its key in the URL (`https://gw/v1?api_key=...`, Azure-style) or in its user part
 * (`http://user:key@host`): those parts are credentials wherever the URL goes, so stored config, error
 * lines and exports carry the URL with them replaced.
 */
export const REDACTED = 'redacted';

/** Shorter values are not searched for in free text: replacing every "ab" would mangle it. */
const MIN_SECRET_LENGTH = 6;

/** The user name, password and every query value of a URL (as written and decoded); [] if it is no URL. */
export function urlCredentials(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const values = new Set<string>();
  const add = (value: string): void => {
    if (value === '' || value === REDACTED) return;
    values.add(value);
    try {
      values.add(decodeURIComponent(value));
    } catch {
      // a malformed escape: the raw form is enough
    }
  };
  add(parsed.username);
  add(parsed.password);
  for (const [, value] of parsed.searchParams) add(value);
  for (const part of parsed.search.replace(/^\?/, '').split('&')) add(part.slice(part.indexOf('=') + 1));
  return [...values];
}

/** The URL with its user part and every query value replaced (names kept: `?api_key=redacted`). */
export function scrubUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return scrubUrlsInText(url);
  }
  if (parsed.username !== '') parsed.username = REDACTED;
  if (parsed.password !== '') parsed.password = REDACTED;
  if (parsed.search !== '') {
    parsed.search = parsed.search
      .replace(/^\?/, '')
      .split('&')
      .map((part) => (part.includes('=') ? `${part.slice(0, part.indexOf('='))}=${REDACTED}` : part))
      .join('&');
  }
  return parsed.href;
}

const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g;

/** Every URL in a text (an error line, a stack) with its credentials replaced. */
export function scrubUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (found) => {
    const userPart = found.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#@]*)@/, (_match, scheme: string, user: string) =>
      `${scheme}${user.includes(':') ? `${REDACTED}:${REDACTED}` : REDACTED}@`,
    );
    return userPart.replace(/([?&][^=&#\s]+=)[^&#\s]*/g, `$1${REDACTED}`);
  });
}

/** Each known secret value replaced, longest first (a key that contains another is removed whole). */
export function scrubValues(text: string, secrets: Iterable<string | undefined>): string {
  const values = [...new Set([...secrets].filter((value): value is string => value !== undefined && value.length >= MIN_SECRET_LENGTH))];
  values.sort((a, b) => b.length - a.length);
  let scrubbed = text;
  for (const value of values) scrubbed = scrubbed.split(value).join(`[${REDACTED}]`);
  return scrubbed;
}
