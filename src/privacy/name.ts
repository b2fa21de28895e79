import { AMBIGUOUS_NAMES, FIRST_NAMES, NOT_NAMES } from './first-names.ts';
import type { Candidate } from './types.ts';

// Person names, found by the words around them (cues) or, when capitalised, by a first-name list.
// Written by hand: compromise's people() missed "this is priya", "Kind regards,\nKenji" and
// "Regards,\nAmara" and took "Grace period" for a person on the sample logs. Limits: a name with no
// cue in lower case ("ask maria"), surnames alone without an honorific, and names that are also
// ordinary words when no cue is near ("Will", "Grace") are not found.

const TOKEN = /^[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’-]*/;

interface NameRules {
  names: ReadonlySet<string>;
}

type Accept = (word: string, index: number) => boolean;

function isCapitalised(word: string): boolean {
  return /^[A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'’-]+$/.test(word) || /^[A-Z][a-z]+-[A-Z][a-z]+$/.test(word);
}

/** Up to `max` name words from `index` on, separated by single spaces, each accepted in turn. */
function wordsAt(text: string, index: number, max: number, accept: Accept): { start: number; end: number } | undefined {
  let position = index;
  let end = -1;
  for (let count = 0; count < max; count++) {
    const match = TOKEN.exec(text.slice(position));
    if (!match) break;
    const word = match[0].replace(/['’-]+$/, '');
    if (!accept(word, count)) break;
    end = position + word.length;
    if (!/^ [^ \n]/.test(text.slice(end, end + 2))) break;
    position = end + 1;
  }
  return end < 0 ? undefined : { start: index, end };
}

const STRONG_CUE = /\b(?:my name is|my name's|my name’s|name is|name:|i am called|call me|signed,)\s+/gi;
const SELF_CUE = /\b(?:this is|i am|i'm|i’m|im)\s+/gi;
const GREETING_CUE = /(?:^|\n|[.!?]\s+)(?:hi|hello|hey|dear)\s+/gi;
const SIGN_OFF =
  /(?:^|\n|[.!?,]\s*)(?:thanks|thank you|thx|ty|cheers|regards|kind regards|best regards|warm regards|best|sincerely|many thanks|thanks so much|best wishes|yours truly|yours sincerely|yours|cordially|take care)[ \t]*[,!.:;-]*[ \t]*\n?[ \t]*(?:[-–—][ \t]*)?/gi;
const DASH_SIGNATURE = /\n[ \t]*[-–—~][ \t]*/g;
const HONORIFIC = /\b(?:mr|mrs|ms|miss|dr|mx|prof)\.?\s+/gi;
const CAPITALISED_WORD = /(?<![\w@.'’-])[A-Z][a-z]+(?![\w@'’-])/g;

export function findNames(text: string, extraNames: readonly string[] = []): Candidate[] {
  const rules: NameRules = { names: extraNames.length === 0 ? FIRST_NAMES : new Set([...FIRST_NAMES, ...extraNames.map((name) => name.toLowerCase())]) };
  const known = (word: string): boolean => rules.names.has(word.toLowerCase());
  const notName = (word: string): boolean => NOT_NAMES.has(word.toLowerCase());
  const found: Candidate[] = [];
  const add = (span: { start: number; end: number } | undefined, rule: string): void => {
    if (span) found.push({ type: 'NAME', ...span, rule });
  };

  // "my name is maria garcia": the cue is strong enough for any case; the words stop at the first non-name.
  for (const match of text.matchAll(STRONG_CUE)) {
    add(wordsAt(text, match.index + match[0].length, 3, (word) => !notName(word) && word.length > 1), 'cue:my name is');
  }
  // "this is Priya", "I'm maria": the first word must be a known first name, or capitalised and not a common word.
  for (const match of text.matchAll(SELF_CUE)) {
    add(
      wordsAt(text, match.index + match[0].length, 3, (word, index) =>
        index === 0 ? known(word) || (isCapitalised(word) && !notName(word) && endsPhrase(text, match.index + match[0].length + word.length)) : isCapitalised(word) && !notName(word),
      ),
      'cue:this is',
    );
  }
  for (const match of text.matchAll(GREETING_CUE)) {
    const start = match.index + match[0].length;
    // "hello Nearest store ...": a capitalised word after a greeting is a name only when a comma or line end closes it.
    const first = TOKEN.exec(text.slice(start))?.[0] ?? '';
    const closed = /^[ \t]*(?:[,!]|\n|$)/.test(text.slice(start + first.length));
    add(
      wordsAt(text, start, 2, (word, index) =>
        index === 0 ? !notName(word) && ((known(word) && !AMBIGUOUS_NAMES.has(word.toLowerCase())) || (closed && isCapitalised(word))) : isCapitalised(word) && !notName(word),
      ),
      'cue:greeting',
    );
  }
  // Sign-offs: the name is the rest of the line ("Thanks,\nMaria", "thanks, maria", "Kind regards, Kenji Tanaka").
  for (const matches of [text.matchAll(SIGN_OFF), text.matchAll(DASH_SIGNATURE)]) {
    for (const match of matches) {
      const start = match.index + match[0].length;
      const span = wordsAt(text, start, 3, (word) => (known(word) || isCapitalised(word) || AMBIGUOUS_NAMES.has(word.toLowerCase())) && !notName(word));
      if (span && /^[ \t]*[.!]?[ \t]*(?:\n|$)/.test(text.slice(span.end))) add(span, 'cue:sign-off');
    }
  }
  // "Mr. Jones": the honorific goes too, "[NAME]" reads better than "Mr. [NAME]" and hides the gender.
  for (const match of text.matchAll(HONORIFIC)) {
    const span = wordsAt(text, match.index + match[0].length, 2, (word) => isCapitalised(word) && !notName(word));
    if (span) add({ start: match.index, end: span.end }, 'cue:honorific');
  }
  // A capitalised first name from the list, anywhere, with a capitalised surname after it.
  for (const match of text.matchAll(CAPITALISED_WORD)) {
    const word = match[0];
    if (!known(word) || AMBIGUOUS_NAMES.has(word.toLowerCase())) continue;
    // Place names that start with a saint's or a person's name: San Diego, St. Louis, Santa Clara.
    if (/\b(?:san|santa|santo|são|st\.?|saint|los|las|el|port|fort|lake|mount)\s+$/i.test(text.slice(Math.max(0, match.index - 8), match.index))) continue;
    add(wordsAt(text, match.index, 2, (next, index) => (index === 0 ? true : isCapitalised(next) && !notName(next))), 'first-name-list');
  }
  return found;
}

/** After "this is X": X ends the phrase (punctuation, line end, "here", "from", "and"). */
function endsPhrase(text: string, end: number): boolean {
  return /^(?:\s*$|\s*[,.!?;:\n]|\s+(?:here|from|and|with|again)\b|\s+[A-Z][a-z]+\s*(?:[,.!?;:\n]|$))/.test(text.slice(end, end + 24));
}
