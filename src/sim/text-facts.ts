// Text analysis shared by the answer composer and the judge: sentences, content words, numbers, negation.
// Hand-written because the judge must be deterministic, fast (thousands of calls a second) and explainable.

const STOPWORDS = new Set(
  (
    'a an the and or but if then than so to of in on at by for from with within without into onto as is are was were be been being ' +
    'it its this that these those there here we our ours us you your yours i me my he she they them their his her ' +
    'do does did done can could will would should may might must shall have has had having just also too very ' +
    'any all each every some such more most other another same only own both either neither up down out over under again ' +
    'what which who whom whose when where why how about after before until while once per via please thanks thank hi hello ' +
    'get got make made let lets sure happy help glad'
  ).split(' '),
);

const NEGATIONS = new Set(['not', 'no', 'never', 'cannot', 'none', 'nothing', 'nobody', 'neither', 'nor', 'without']);

/** Splits plain text into sentences; a full stop inside a number or an email does not end one. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])|\n+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => /[A-Za-z0-9]/.test(sentence));
}

function stem(word: string): string {
  if (/\d/.test(word) || word.length <= 4) return word;
  return word.replace(/(?:ing|ed|es|s)$/, '');
}

/** Lower-cased word tokens; "$1,000" becomes "1000", "can't" becomes "cannot", hyphenated words split. */
export function tokens(text: string): string[] {
  const normalised = text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, '\'')
    .replace(/\b(can)'t\b/g, 'cannot')
    .replace(/\b(\w+)n't\b/g, '$1 not')
    .replace(/(\d),(\d{3})\b/g, '$1$2')
    .replace(/\$/g, '');
  const words = normalised.match(/[a-z0-9@_]+(?:[.@/][a-z0-9_]+)*/g) ?? [];
  return words.flatMap((word) => (word.includes('@') ? [word] : word.split(/[/_]/))).filter((word) => word.length > 0);
}

/** Content words (stop words dropped, crude stemming) as a set, for overlap measures. */
export function contentWords(text: string): Set<string> {
  const result = new Set<string>();
  for (const word of tokens(text)) {
    if (STOPWORDS.has(word) || NEGATIONS.has(word)) continue;
    if (word.length < 2 && !/\d/.test(word)) continue;
    result.add(stem(word));
  }
  return result;
}

/** Numbers (amounts, durations, times such as 8am) that a fact states. */
export function numbers(text: string): Set<string> {
  return new Set(tokens(text).filter((word) => /^\d/.test(word)));
}

export function isNegated(text: string): boolean {
  return tokens(text).some((word) => NEGATIONS.has(word));
}

/** Share of `wanted` present in `available` (1 when nothing is wanted). */
export function coverage(wanted: ReadonlySet<string>, available: ReadonlySet<string>): number {
  if (wanted.size === 0) return 1;
  let found = 0;
  for (const word of wanted) if (available.has(word)) found++;
  return found / wanted.size;
}
