"""WordPiece vocabulary training and encoding, written to match Hugging Face tokenizer.json semantics.

No Hugging Face `tokenizers` wheel is available here (PyPI is not reachable and Debian does not
package it), so this file does two things by hand:

* trains a WordPiece vocabulary the way Hugging Face's WordPieceTrainer does (BPE-style pair
  merges over pre-tokenized words, continuation pieces prefixed with ``##``);
* encodes text exactly as the tokenizer.json it writes is interpreted by @huggingface/tokenizers,
  the JavaScript library the router uses at inference. The encoder exists only so training sees the
  same ids as inference; src/router/tokenizer-fixture.json pins the two together.

The normalizer mirrors BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip accents),
the pre-tokenizer mirrors BertPreTokenizer, the model is greedy longest-match-first WordPiece.
"""
from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter
from typing import Iterable

PAD, UNK, CLS, SEP, MASK = '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'
SPECIAL_TOKENS = [PAD, UNK, CLS, SEP, MASK]
CONTINUATION = '##'
MAX_INPUT_CHARS_PER_WORD = 100

# JavaScript's \s, which is what BertNormalizer.clean_text in @huggingface/tokenizers tests.
_JS_WHITESPACE = set('\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff') | {
    chr(c) for c in range(0x2000, 0x200B)
}
_CONTROL_CATEGORIES = {'Cc', 'Cf', 'Co', 'Cs'}
_SPECIAL_SPLIT = re.compile('(' + '|'.join(re.escape(t) for t in SPECIAL_TOKENS) + ')')


def _is_control(ch: str) -> bool:
    if ch in '\t\n\r':
        return False
    return unicodedata.category(ch) in _CONTROL_CATEGORIES


def _is_chinese(cp: int) -> bool:
    # Only BMP code points: the JS normalizer walks UTF-16 units, so astral CJK is never padded.
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
    )


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith('P')


def normalize(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if ch in _JS_WHITESPACE:
            out.append(' ')
        elif cp <= 0xFFFF and _is_chinese(cp):
            out.append(' ' + ch + ' ')
        else:
            out.append(ch)
    text = ''.join(out).lower()
    text = unicodedata.normalize('NFD', text)
    return ''.join(ch for ch in text if unicodedata.category(ch) != 'Mn')


def pre_tokenize(text: str) -> list[str]:
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in _JS_WHITESPACE:
            if current:
                words.append(''.join(current))
                current = []
        elif _is_punctuation(ch):
            if current:
                words.append(''.join(current))
                current = []
            words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append(''.join(current))
    return words


def words_of(text: str) -> list[str]:
    """Normalized, pre-tokenized words of a text (no special-token handling)."""
    return pre_tokenize(normalize(text))


class WordPieceTokenizer:
    def __init__(self, vocab: list[str], max_length: int) -> None:
        self.vocab = vocab
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.max_length = max_length
        self.unk_id = self.ids[UNK]
        self.cls_id = self.ids[CLS]
        self.sep_id = self.ids[SEP]
        self.pad_id = self.ids[PAD]
        self._cache: dict[str, list[int]] = {}

    def word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        chars = list(word)
        if len(chars) > MAX_INPUT_CHARS_PER_WORD:
            return [self.unk_id]
        pieces: list[int] = []
        start = 0
        while start < len(chars):
            end = len(chars)
            found = None
            while start < end:
                piece = ''.join(chars[start:end])
                if start > 0:
                    piece = CONTINUATION + piece
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                pieces = [self.unk_id]
                break
            pieces.append(found)
            start = end
        self._cache[word] = pieces
        return pieces

    def encode(self, text: str, truncate: bool = True) -> list[int]:
        """[CLS] tokens [SEP]; special-token literals in the raw text map to their ids."""
        ids = [self.cls_id]
        for section in _SPECIAL_SPLIT.split(text):
            if not section:
                continue
            if section in self.ids and section in SPECIAL_TOKENS:
                ids.append(self.ids[section])
                continue
            for word in words_of(section):
                ids.extend(self.word_ids(word))
        ids.append(self.sep_id)
        if truncate and len(ids) > self.max_length:
            ids = ids[: self.max_length - 1] + [self.sep_id]
        return ids

    def tokenizer_json(self) -> dict:
        return {
            'version': '1.0',
            'truncation': {'direction': 'Right', 'max_length': self.max_length, 'strategy': 'LongestFirst', 'stride': 0},
            'padding': None,
            'added_tokens': [
                {
                    'id': self.ids[token],
                    'content': token,
                    'single_word': False,
                    'lstrip': False,
                    'rstrip': False,
                    'normalized': False,
                    'special': True,
                }
                for token in SPECIAL_TOKENS
            ],
            'normalizer': {
                'type': 'BertNormalizer',
                'clean_text': True,
                'handle_chinese_chars': True,
                'strip_accents': None,
                'lowercase': True,
            },
            'pre_tokenizer': {'type': 'BertPreTokenizer'},
            'post_processor': {
                'type': 'TemplateProcessing',
                'single': [
                    {'SpecialToken': {'id': CLS, 'type_id': 0}},
                    {'Sequence': {'id': 'A', 'type_id': 0}},
                    {'SpecialToken': {'id': SEP, 'type_id': 0}},
                ],
                'pair': [
                    {'SpecialToken': {'id': CLS, 'type_id': 0}},
                    {'Sequence': {'id': 'A', 'type_id': 0}},
                    {'SpecialToken': {'id': SEP, 'type_id': 0}},
                    {'Sequence': {'id': 'B', 'type_id': 1}},
                    {'SpecialToken': {'id': SEP, 'type_id': 1}},
                ],
                'special_tokens': {
                    CLS: {'id': CLS, 'ids': [self.cls_id], 'tokens': [CLS]},
                    SEP: {'id': SEP, 'ids': [self.sep_id], 'tokens': [SEP]},
                },
            },
            'decoder': {'type': 'WordPiece', 'prefix': CONTINUATION, 'cleanup': True},
            'model': {
                'type': 'WordPiece',
                'unk_token': UNK,
                'continuing_subword_prefix': CONTINUATION,
                'max_input_chars_per_word': MAX_INPUT_CHARS_PER_WORD,
                'vocab': {token: i for i, token in enumerate(self.vocab)},
            },
        }

    def tokenizer_config_json(self) -> dict:
        return {
            'tokenizer_class': 'BertTokenizer',
            'do_lower_case': True,
            'tokenize_chinese_chars': True,
            'strip_accents': None,
            'model_max_length': self.max_length,
            'clean_up_tokenization_spaces': True,
            'pad_token': PAD,
            'unk_token': UNK,
            'cls_token': CLS,
            'sep_token': SEP,
            'mask_token': MASK,
        }


def train_vocab(texts: Iterable[str], vocab_size: int, min_frequency: int = 2, min_char_frequency: int = 2) -> list[str]:
    """BPE-style WordPiece training (as Hugging Face's WordPieceTrainer): merge the most frequent
    adjacent pair of pieces until the vocabulary is full. Ties break on the pair's text, so the
    result depends only on the texts."""
    word_counts: Counter[str] = Counter()
    for text in texts:
        word_counts.update(words_of(text))

    char_counts: Counter[str] = Counter()
    for word, count in word_counts.items():
        for ch in word:
            char_counts[ch] += count
    # Printable ASCII is always in, so any ASCII word (typos, codes, emails) spells out in pieces
    # instead of collapsing to [UNK].
    alphabet = {chr(c) for c in range(33, 127)} | {ch for ch, n in char_counts.items() if n >= min_char_frequency}
    alphabet_sorted = sorted(alphabet)
    vocab: list[str] = list(SPECIAL_TOKENS)
    vocab.extend(alphabet_sorted)
    vocab.extend(CONTINUATION + ch for ch in alphabet_sorted)
    known = set(vocab)

    words: list[list[str]] = []
    counts: list[int] = []
    for word, count in sorted(word_counts.items()):
        if any(ch not in alphabet for ch in word) or len(word) > MAX_INPUT_CHARS_PER_WORD:
            continue
        words.append([word[0]] + [CONTINUATION + ch for ch in word[1:]])
        counts.append(count)

    pair_counts: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], set[int]] = {}
    for index, symbols in enumerate(words):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += counts[index]
            where.setdefault(pair, set()).add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)

    def merged(a: str, b: str) -> str:
        return a + b[len(CONTINUATION):]

    while len(vocab) < vocab_size and heap:
        negative, pair = heapq.heappop(heap)
        current = pair_counts.get(pair, 0)
        if current != -negative:
            if current > 0:
                heapq.heappush(heap, (-current, pair))
            continue
        if current < min_frequency:
            break
        new_symbol = merged(*pair)
        if new_symbol not in known:
            vocab.append(new_symbol)
            known.add(new_symbol)
        changed: set[tuple[str, str]] = set()
        for index in sorted(where.pop(pair, ())):
            symbols = words[index]
            count = counts[index]
            rebuilt: list[str] = []
            i = 0
            hit = False
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
                    rebuilt.append(new_symbol)
                    i += 2
                    hit = True
                else:
                    rebuilt.append(symbols[i])
                    i += 1
            if not hit:
                continue
            for old in zip(symbols, symbols[1:]):
                pair_counts[old] -= count
                changed.add(old)
            for new in zip(rebuilt, rebuilt[1:]):
                pair_counts[new] += count
                where.setdefault(new, set()).add(index)
                changed.add(new)
            words[index] = rebuilt
        pair_counts.pop(pair, None)
        for other in changed:
            n = pair_counts.get(other, 0)
            if n > 0 and other != pair:
                heapq.heappush(heap, (-n, other))
            elif n <= 0:
                pair_counts.pop(other, None)
    return vocab
