import { FIRST_NAMES } from './company.ts';
import type { Random } from './random.ts';

// Surface variation real support logs have: greetings, sign-offs, casing, punctuation and typos.

export type Channel = 'chat' | 'email' | 'web' | 'app';

const CASUAL_GREETINGS = ['hi', 'hello', 'hey', 'hey there', 'hi there', 'hiya', 'good morning', 'good afternoon', 'yo', 'hello?'];
const FORMAL_GREETINGS = ['Hello,', 'Hi,', 'Dear Northwind team,', 'Dear Sir or Madam,', 'Hello Northwind Home,', 'Hi support team,', 'Good morning,', 'To whom it may concern,'];
const CASUAL_SIGNOFFS = ['thanks', 'thx', 'thank you!', 'ty', 'thanks in advance', 'cheers', 'appreciate it', 'thanks so much'];
const FORMAL_SIGNOFFS = ['Thanks,', 'Kind regards,', 'Best,', 'Regards,', 'Thank you,', 'Many thanks,', 'Sincerely,'];
const LEAD_INS = [
  'quick question:', 'quick question -', 'sorry to bother you,', 'so', 'ok so', 'um,', 'hoping you can help:', 'question:',
  'first time ordering from you.', 'i\'m a rewards member.', 'i\'m on the app right now.', 'i\'ve been looking on the website and',
  'my friend recommended you.', 'just checking:', 'not urgent but', 'real quick,', 'can you help?', 'i\'m new here.',
];

export function greeting(random: Random, channel: Channel): string | undefined {
  if (channel === 'email') return random.chance(0.8) ? random.pick(FORMAL_GREETINGS) : undefined;
  if (!random.chance(0.28)) return undefined;
  const hello = random.pick(CASUAL_GREETINGS);
  const punctuation = random.pick(['', ',', '!', ' -', '.']);
  return hello.endsWith('?') ? hello : hello + punctuation;
}

export function signOff(random: Random, channel: Channel): string | undefined {
  if (channel === 'email') {
    if (!random.chance(0.75)) return undefined;
    return `${random.pick(FORMAL_SIGNOFFS)}\n${random.pick(FIRST_NAMES)}`;
  }
  return random.chance(0.18) ? random.pick(CASUAL_SIGNOFFS) : undefined;
}

export function leadIn(random: Random): string | undefined {
  return random.chance(0.14) ? random.pick(LEAD_INS) : undefined;
}

/** Capitalises the first letter of each sentence (the templates are written in lower case). */
export function sentenceCase(text: string): string {
  return text.replace(/(^|[.!?]\s+|\n)([a-z])/g, (_whole, before: string, letter: string) => before + letter.toUpperCase()).replace(/\bi\b/g, 'I').replace(/\bi'/g, 'I\'');
}

export type CaseStyle = 'sentence' | 'lower' | 'as-written' | 'upper';

export function applyCase(text: string, style: CaseStyle): string {
  switch (style) {
    case 'sentence':
      return sentenceCase(text);
    case 'lower':
      return text.toLowerCase();
    case 'upper':
      return text.toUpperCase();
    case 'as-written':
      return text;
  }
}

/** Varies the final punctuation the way people do when typing fast. */
export function varyEnding(random: Random, text: string): string {
  const roll = random.next();
  if (roll < 0.2) return text.replace(/[.?!]+$/, '');
  if (roll < 0.26 && text.endsWith('?')) return `${text.slice(0, -1)}??`;
  if (roll < 0.3 && text.endsWith('?')) return `${text.slice(0, -1)} ?`;
  if (roll < 0.33 && text.endsWith('!')) return `${text}!!`;
  return text;
}

/** One or two keyboard slips: swapped, dropped or doubled letters. Never inside numbers, emails or ids. */
export function addTypos(random: Random, text: string): string {
  const tokens = text.split(' ');
  const candidates = tokens.flatMap((token, index) => (/^[A-Za-z]{4,}[,.?!:;]*$/.test(token) ? [index] : []));
  if (candidates.length === 0) return text;
  const count = random.chance(0.3) ? 2 : 1;
  for (let typo = 0; typo < count; typo++) {
    const tokenIndex = random.pick(candidates);
    const token = tokens[tokenIndex] ?? '';
    const word = token.replace(/[,.?!:;]+$/, '');
    const tail = token.slice(word.length);
    const position = random.int(1, word.length - 2);
    const kind = random.pick(['swap', 'drop', 'double'] as const);
    const mistyped =
      kind === 'swap'
        ? word.slice(0, position) + (word[position + 1] ?? '') + (word[position] ?? '') + word.slice(position + 2)
        : kind === 'drop'
          ? word.slice(0, position) + word.slice(position + 1)
          : word.slice(0, position) + (word[position] ?? '') + word.slice(position);
    tokens[tokenIndex] = mistyped + tail;
  }
  return tokens.join(' ');
}
