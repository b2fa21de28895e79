import type { Tokenizer } from '@huggingface/tokenizers';
import { UsageError } from '../core/errors.ts';

export interface EncodedText {
  /** [CLS] ... [SEP], at most maxLength ids. */
  ids: number[];
  /** The text had more tokens than maxLength; the tail was dropped. */
  truncated: boolean;
}

export interface TextEncoder {
  encode(text: string): EncodedText;
  padId: number;
  maxLength: number;
}

/** Characters scanned per allowed token before falling back to the whole text. */
const CHARS_PER_TOKEN_FIRST_TRY = 8;

/**
 * Tokenises with @huggingface/tokenizers and truncates the way a Hugging Face tokenizer does for a
 * single sequence (keep the first maxLength - 1 ids, end with [SEP]). The library has no
 * truncation option, so a huge text is first cut at a whitespace boundary: whitespace ends every
 * word for BertPreTokenizer, so the tokens of the prefix are exactly the first tokens of the whole
 * text, and a 100 KB query costs no more than a few hundred characters of tokenising.
 */
export function createTextEncoder(tokenizer: Tokenizer, maxLength: number, dir: string): TextEncoder {
  const sepId = tokenizer.token_to_id('[SEP]') ?? tokenizer.token_to_id('</s>');
  const padId = tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
  if (sepId === undefined) {
    throw new UsageError(`router model folder ${dir}: tokenizer.json has no [SEP] token to end a truncated query`);
  }
  if (maxLength < 3) throw new UsageError(`router model folder ${dir}: max length ${maxLength} is too small`);

  const finish = (ids: number[]): EncodedText =>
    ids.length <= maxLength ? { ids, truncated: false } : { ids: [...ids.slice(0, maxLength - 1), sepId], truncated: true };

  return {
    padId,
    maxLength,
    encode(text) {
      let limit = maxLength * CHARS_PER_TOKEN_FIRST_TRY;
      while (limit < text.length) {
        const cut = lastWhitespaceBefore(text, limit);
        if (cut > 0) {
          const ids = tokenizer.encode(text.slice(0, cut)).ids;
          // The prefix is followed by more text, so more than maxLength ids means truncated.
          if (ids.length > maxLength) return { ids: [...ids.slice(0, maxLength - 1), sepId], truncated: true };
        }
        limit *= 4;
      }
      return finish(tokenizer.encode(text).ids);
    },
  };
}

function lastWhitespaceBefore(text: string, limit: number): number {
  for (let i = Math.min(limit, text.length - 1); i > 0; i -= 1) {
    if (/\s/.test(text[i] as string)) return i;
  }
  return -1;
}
