"""Train the hybrid-eval router: WordPiece vocabulary + a small BERT classifier, exported to ONNX.

Run from the repository root with Debian's PyTorch (never part of install or tests):

    /usr/bin/python3 models/router/train.py

It reads datasets/router-train.jsonl and ../shared/data/bitext (the data is read, never copied),
holds out one Bitext utterance in five (by a hash of its text, see bitext_held_out) plus a
validation slice of both sources, trains on CPU with fixed seeds, keeps the epoch with the best
validation score, and writes into models/router/:

    model.onnx, config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
    training-log.json

and src/router/tokenizer-fixture.json (Python token ids and logits for the TypeScript parity test).
The test sets (datasets/router-test.jsonl, the Bitext held-out split) are scored at the end for the
log only; nothing is selected on them.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bert import BertClassifier, BertConfig  # noqa: E402
from wordpiece import SPECIAL_TOKENS, WordPieceTokenizer, train_vocab  # noqa: E402

LABELS = ['simple', 'medium', 'complex']
REPO = Path(__file__).resolve().parents[2]


def stable_bucket(text: str, buckets: int) -> int:
    return hashlib.sha256(text.encode('utf-8')).digest()[0] % buckets


def bitext_held_out(instruction: str) -> bool:
    """One utterance in five is held out for evaluation. src/router/bitext-holdout.ts uses the same
    rule (first byte of SHA-256 of the UTF-8 instruction text, modulo 5, equals 0)."""
    return stable_bucket(instruction, 5) == 0


def in_validation(text: str) -> bool:
    # A different hash input than the held-out rule, so the two slices are independent.
    return stable_bucket('validation:' + text, 10) == 0


def read_jsonl(path: Path) -> list[tuple[str, str]]:
    rows = []
    with path.open(encoding='utf-8') as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                rows.append((record['query'], record['tier']))
    return rows


def read_bitext(directory: Path) -> list[tuple[str, str]]:
    tiers: dict[str, str] = {}
    with (directory / 'tiers.csv').open(encoding='utf-8', newline='') as handle:
        for row in csv.DictReader(handle):
            tiers[row['intent']] = row['tier']
    by_text: dict[str, str] = {}
    for name in ('responses-detailed.csv', 'responses-terse.csv'):
        with (directory / name).open(encoding='utf-8', newline='') as handle:
            for row in csv.DictReader(handle):
                tier = tiers[row['intent']]
                previous = by_text.setdefault(row['instruction'], tier)
                if previous != tier:
                    raise ValueError(f'{name}: "{row["instruction"]}" has two tiers')
    return sorted(by_text.items())


def augment(ids: list[int], rng: random.Random, crop: float, drop: float) -> list[int]:
    """A shorter, noisier view of a training query: with probability `crop` keep a random window of
    40-100% of its tokens, then delete each remaining token with probability `drop`. The generated
    training queries are long and templated; real ones are often a terse fragment of the same
    request ("you charged me twice"), and the router must still see the complex cue in them."""
    content = ids[1:-1]
    if len(content) > 3 and rng.random() < crop:
        keep = max(3, round(len(content) * rng.uniform(0.4, 1.0)))
        start = rng.randrange(len(content) - keep + 1)
        content = content[start : start + keep]
    if len(content) > 3 and drop > 0:
        kept = [token for token in content if rng.random() >= drop]
        content = kept if len(kept) >= 2 else content
    return [ids[0], *content, ids[-1]]


class Batches:
    """Length-aware shuffled batches with dynamic padding (and, for training, augmentation)."""

    def __init__(self, encoded: list[list[int]], labels: list[int], batch_size: int, pad_id: int,
                 crop: float = 0.0, drop: float = 0.0) -> None:
        self.encoded = encoded
        self.labels = labels
        self.batch_size = batch_size
        self.pad_id = pad_id
        self.crop = crop
        self.drop = drop

    def tensors(self, indices: list[int], rng: random.Random | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        sequences = [self.encoded[i] for i in indices]
        if rng is not None:
            sequences = [augment(sequence, rng, self.crop, self.drop) for sequence in sequences]
        width = max(len(sequence) for sequence in sequences)
        ids = torch.full((len(indices), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(indices), width), dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, : len(sequence)] = torch.tensor(sequence)
            mask[row, : len(sequence)] = 1
        return ids, mask, torch.tensor([self.labels[i] for i in indices])

    def epoch(self, rng: random.Random):
        order = list(range(len(self.encoded)))
        rng.shuffle(order)
        # Sort within windows of 50 batches: similar lengths per batch, still random across batches.
        window = self.batch_size * 50
        batches = []
        for start in range(0, len(order), window):
            chunk = sorted(order[start : start + window], key=lambda i: len(self.encoded[i]))
            batches.extend(chunk[k : k + self.batch_size] for k in range(0, len(chunk), self.batch_size))
        rng.shuffle(batches)
        for indices in batches:
            yield self.tensors(indices, rng)


@torch.no_grad()
def predict(model: BertClassifier, encoded: list[list[int]], pad_id: int, batch_size: int = 256) -> torch.Tensor:
    model.eval()
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    helper = Batches(encoded, [0] * len(encoded), batch_size, pad_id)
    probabilities = torch.zeros((len(encoded), len(LABELS)))
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        ids, mask, _ = helper.tensors(indices)
        probabilities[indices] = torch.softmax(model(ids, mask), dim=-1)
    return probabilities


@torch.no_grad()
def logits_of(model: BertClassifier, encoded: list[list[int]], pad_id: int, batch_size: int = 256) -> torch.Tensor:
    model.eval()
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    helper = Batches(encoded, [0] * len(encoded), batch_size, pad_id)
    logits = torch.zeros((len(encoded), len(LABELS)))
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        ids, mask, _ = helper.tensors(indices)
        logits[indices] = model(ids, mask)
    return logits


def calibrate(model: BertClassifier, logits: torch.Tensor, labels: list[int]) -> dict:
    """Fit a temperature and per-class offsets on the validation logits (plain, unweighted NLL) and
    fold them into the classifier layer. Training upweights complex (and smooths labels), which
    inflates P(complex) everywhere; after this the probabilities estimate the real frequencies, so
    the routing thresholds, not the training weights, decide how conservative routing is."""
    log_temperature = torch.zeros(1, requires_grad=True)
    offset = torch.zeros(len(LABELS), requires_grad=True)
    target = torch.tensor(labels)
    optimizer = torch.optim.LBFGS([log_temperature, offset], lr=0.5, max_iter=500, line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(logits / log_temperature.exp() + offset, target)
        loss.backward()
        return loss

    before = nn.functional.cross_entropy(logits, target).item()
    optimizer.step(closure)
    temperature = log_temperature.exp().item()
    with torch.no_grad():
        model.classifier.weight.div_(temperature)
        model.classifier.bias.div_(temperature).add_(offset)
        after = nn.functional.cross_entropy(logits / temperature + offset, target).item()
    return {'temperature': temperature, 'offset': offset.tolist(), 'validation_nll_before': before, 'validation_nll_after': after}


def metrics(probabilities: torch.Tensor, labels: list[int]) -> dict:
    predicted = probabilities.argmax(dim=-1).tolist()
    n = len(labels)
    confusion = [[0] * len(LABELS) for _ in LABELS]
    for truth, guess in zip(labels, predicted):
        confusion[truth][guess] += 1
    recall = {}
    for k, label in enumerate(LABELS):
        total = sum(confusion[k])
        recall[label] = confusion[k][k] / total if total else float('nan')
    return {
        'n': n,
        'accuracy': sum(confusion[k][k] for k in range(len(LABELS))) / n,
        'recall': recall,
        'confusion': confusion,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--train', type=Path, default=REPO / 'datasets' / 'router-train.jsonl')
    parser.add_argument('--test', type=Path, default=REPO / 'datasets' / 'router-test.jsonl')
    parser.add_argument('--bitext', type=Path, default=REPO.parent / 'shared' / 'data' / 'bitext')
    parser.add_argument('--out', type=Path, default=REPO / 'models' / 'router')
    parser.add_argument('--fixture', type=Path, default=REPO / 'src' / 'router' / 'tokenizer-fixture.json')
    parser.add_argument('--seed', type=int, default=20250303)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--hidden', type=int, default=64)
    parser.add_argument('--layers', type=int, default=2)
    parser.add_argument('--heads', type=int, default=4)
    parser.add_argument('--intermediate', type=int, default=256)
    parser.add_argument('--max-length', type=int, default=128)
    parser.add_argument('--vocab-size', type=int, default=8000)
    parser.add_argument('--complex-weight', type=float, default=2.0,
                        help='extra loss weight on complex on top of balanced class weights')
    parser.add_argument('--crop', type=float, default=0.5, help='share of training queries cut to a random window')
    parser.add_argument('--drop', type=float, default=0.1, help='per-token deletion rate in training queries')
    parser.add_argument('--label-smoothing', type=float, default=0.05)
    args = parser.parse_args()

    started = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    project = read_jsonl(args.train)
    bitext = read_bitext(args.bitext)
    bitext_train = [row for row in bitext if not bitext_held_out(row[0])]
    bitext_test = [row for row in bitext if bitext_held_out(row[0])]
    pool = [(text, tier, 'project') for text, tier in project] + [(text, tier, 'bitext') for text, tier in bitext_train]
    training = [row for row in pool if not in_validation(row[0])]
    validation = [row for row in pool if in_validation(row[0])]
    training_texts = {row[0] for row in training}
    validation = [row for row in validation if row[0] not in training_texts]
    print(f'project {len(project)}, bitext {len(bitext)} unique ({len(bitext_train)} train side, {len(bitext_test)} held out)')
    print(f'training {len(training)}, validation {len(validation)}')

    vocab = train_vocab((row[0] for row in training), vocab_size=args.vocab_size)
    tokenizer = WordPieceTokenizer(vocab, args.max_length)
    print(f'vocabulary {len(vocab)}')

    def encode(rows):
        return [tokenizer.encode(row[0]) for row in rows], [LABELS.index(row[1]) for row in rows]

    train_ids, train_labels = encode(training)
    validation_ids, validation_labels = encode(validation)

    counts = torch.bincount(torch.tensor(train_labels), minlength=len(LABELS)).float()
    weights = counts.sum() / (len(LABELS) * counts)
    weights[LABELS.index('complex')] *= args.complex_weight
    print('class counts', counts.tolist(), 'loss weights', [round(w, 3) for w in weights.tolist()])

    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=args.intermediate,
        max_position_embeddings=args.max_length,
        num_labels=len(LABELS),
        pad_token_id=tokenizer.pad_id,
    )
    model = BertClassifier(config)
    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=args.label_smoothing)
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=args.lr)
    batches = Batches(train_ids, train_labels, args.batch_size, tokenizer.pad_id, args.crop, args.drop)
    steps_per_epoch = math.ceil(len(train_ids) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    warmup = max(1, total_steps // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup)))
    )
    rng = random.Random(args.seed)

    best_score, best_state, best_epoch, history = -1.0, None, 0, []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total_loss = 0.0
        for ids, mask, labels in batches.epoch(rng):
            optimizer.zero_grad()
            loss = loss_fn(model(ids, mask), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(labels)
        result = metrics(predict(model, validation_ids, tokenizer.pad_id), validation_labels)
        score = result['accuracy'] + result['recall']['complex']
        history.append({'epoch': epoch, 'loss': total_loss / len(train_ids), 'validation': result})
        print(f'epoch {epoch:2d} loss {total_loss / len(train_ids):.4f} val acc {result["accuracy"]:.4f} '
              f'complex recall {result["recall"]["complex"]:.4f} ({time.time() - started:.0f}s)', flush=True)
        if score > best_score:
            best_score, best_epoch = score, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    print(f'best epoch {best_epoch}')
    calibration = calibrate(model, logits_of(model, validation_ids, tokenizer.pad_id), validation_labels)
    print('calibration', json.dumps(calibration))

    final = {}
    for name, rows in (('router-test', read_jsonl(args.test)), ('bitext-held-out', bitext_test)):
        ids, labels = encode(rows)
        final[name] = metrics(predict(model, ids, tokenizer.pad_id), labels)
        print(name, json.dumps(final[name]))

    write_outputs(args, model, config, tokenizer, training)
    log = {
        'args': {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        'torch': torch.__version__,
        'training_examples': len(training),
        'validation_examples': len(validation),
        'bitext_held_out': len(bitext_test),
        'best_epoch': best_epoch,
        'calibration': calibration,
        'history': history,
        'test_python': final,
        'seconds': round(time.time() - started, 1),
    }
    (args.out / 'training-log.json').write_text(json.dumps(log, indent=2) + '\n', encoding='utf-8')
    print(f'done in {time.time() - started:.0f}s')


def fixture_strings(training) -> list[str]:
    rng = random.Random(7)
    strings = [
        '', ' ', 'Hello World', 'What are your opening hours?', 'wher is my ordr?? NW-123456',
        'Email me at jane.doe+support@example.com or call (555) 010-0199', 'card 4111 1111 1111 1111 exp 12/27',
        'I was charged TWICE!!! $1,299.99 on 03/03/2025', 'Café crème brûlée naïve résumé', 'ÀÉÎÕÜ ñ ç ø å æ œ ß',
        'Straße İstanbul ΟΔΟΣ Σίσυφος', '我的订单在哪里？', '注文はどこですか', '주문이 어디에 있나요?', 'где мой заказ?',
        'أين طلبي؟', 'मेरा ऑर्डर कहाँ है?', 'שלום עולם', 'สวัสดีครับ', 'Hello 👋 my Sweep 🤖 is broken 😡😡',
        'family 👨‍👩‍👧 emoji', 'tab\there\nnewline\r\ncrlf', 'no\u00a0break\u2003em\u200bzero\u200dwidth\ufeffbom',
        'control\x00\x01\x07\x1b chars', 'replacement \ufffd char', '[CLS] literal [SEP] and [MASK] [UNK] [PAD] [mask]',
        'a' * 99, 'b' * 100, 'c' * 101, 'supercalifragilisticexpialidocious' * 4, 'x' * 300 + ' tail words',
        'Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ １２３', 'ﬁnancial ﬂow ligatures', 'e\u0301 combining acute', '“curly” ‘quotes’ — dash … ellipsis',
        "it’s can't won't y'all", 'http://example.com/path?q=1&x=2#frag', '#hashtag @mention', '1234567890 3.14159 1e10 -42',
        '¿Dónde está mi pedido? ¡Gracias!', '𝔽𝕒𝕟𝕔𝕪 𝓉𝑒𝓍𝓉', '𠀀𠀁 astral cjk', 'mixed中文and English',
        'ALL CAPS COMPLAINT I WANT A MANAGER NOW', 'thnaks for teh hlep, the lmap wont pair wiht wifi',
        'Ⅻ ① ² ½ ™ © ® °C', '\u2028line\u2029para', '   leading and trailing   ', 'a.b,c;d:e!f?g(h)i[j]k{l}m<n>o/p\\q|r~s`t^u_v=w+x*y&z%$#@"\'',
    ]
    # Only the project's own generated queries: the Bitext utterances must not be copied into the repo.
    pool = [row[0] for row in training if row[2] == 'project']
    strings.extend(rng.sample(pool, 200))
    # Random code points from well-established blocks (stable across Unicode versions).
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
              (0x3040, 0x30FF), (0x4E00, 0x9FA5), (0xAC00, 0xD7A3), (0x2000, 0x206F), (0x1F600, 0x1F64F)]
    for _ in range(100):
        length = rng.randint(1, 40)
        chars = []
        for _ in range(length):
            low, high = rng.choice(blocks)
            chars.append(chr(rng.randint(low, high)))
        strings.append(''.join(chars))
    # Typos: swap, drop and double letters in real training sentences.
    for text in rng.sample(pool, 50):
        chars = list(text)
        for _ in range(3):
            if len(chars) < 3:
                break
            i = rng.randrange(len(chars) - 1)
            op = rng.choice(('swap', 'drop', 'double'))
            if op == 'swap':
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            elif op == 'drop':
                del chars[i]
            else:
                chars.insert(i, chars[i])
        strings.append(''.join(chars))
    strings.append(' '.join(pool[:40]))  # longer than max_length: truncated
    return strings


def write_outputs(args, model: BertClassifier, config: BertConfig, tokenizer: WordPieceTokenizer, training) -> None:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    sample = torch.tensor([tokenizer.encode('where is my order?')])
    torch.onnx.export(
        model,
        (sample, torch.ones_like(sample)),
        str(out / 'model.onnx'),
        input_names=['input_ids', 'attention_mask'],
        output_names=['logits'],
        dynamic_axes={
            'input_ids': {0: 'batch_size', 1: 'sequence_length'},
            'attention_mask': {0: 'batch_size', 1: 'sequence_length'},
            'logits': {0: 'batch_size'},
        },
        opset_version=17,
        do_constant_folding=True,
    )
    hf_config = {
        'architectures': ['BertForSequenceClassification'],
        'model_type': 'bert',
        'vocab_size': config.vocab_size,
        'hidden_size': config.hidden_size,
        'num_hidden_layers': config.num_hidden_layers,
        'num_attention_heads': config.num_attention_heads,
        'intermediate_size': config.intermediate_size,
        'hidden_act': 'gelu',
        'hidden_dropout_prob': config.hidden_dropout_prob,
        'attention_probs_dropout_prob': config.attention_probs_dropout_prob,
        'max_position_embeddings': config.max_position_embeddings,
        'type_vocab_size': config.type_vocab_size,
        'initializer_range': config.initializer_range,
        'layer_norm_eps': config.layer_norm_eps,
        'pad_token_id': config.pad_token_id,
        'position_embedding_type': 'absolute',
        'problem_type': 'single_label_classification',
        'id2label': {str(i): label for i, label in enumerate(LABELS)},
        'label2id': {label: i for i, label in enumerate(LABELS)},
        'max_length': args.max_length,
        'torch_dtype': 'float32',
    }
    (out / 'config.json').write_text(json.dumps(hf_config, indent=2) + '\n', encoding='utf-8')
    (out / 'tokenizer.json').write_text(json.dumps(tokenizer.tokenizer_json(), ensure_ascii=False, indent=2) + '\n', encoding='utf-8')
    (out / 'tokenizer_config.json').write_text(json.dumps(tokenizer.tokenizer_config_json(), indent=2) + '\n', encoding='utf-8')
    special = {'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]', 'mask_token': '[MASK]'}
    (out / 'special_tokens_map.json').write_text(json.dumps(special, indent=2) + '\n', encoding='utf-8')
    assert set(special.values()) == set(SPECIAL_TOKENS)

    strings = fixture_strings(training)
    cases = []
    with torch.no_grad():
        for index, text in enumerate(strings):
            ids = tokenizer.encode(text, truncate=False)
            case = {'text': text, 'ids': ids}
            # Logits for a subset: the ONNX model in onnxruntime must agree with PyTorch.
            if index % 5 == 0:
                truncated = tokenizer.encode(text)
                tensor = torch.tensor([truncated])
                case['logits'] = [round(x, 6) for x in model(tensor, torch.ones_like(tensor))[0].tolist()]
            cases.append(case)
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    fixture = {
        'comment': 'Written by models/router/train.py: ids from the Python WordPiece encoder (no truncation), '
                   'logits from PyTorch (truncated to max_length). The TypeScript tokenizer and onnxruntime must agree.',
        'max_length': args.max_length,
        'cases': cases,
    }
    args.fixture.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')


if __name__ == '__main__':
    main()
