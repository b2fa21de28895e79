"""Train a router on a team's own labelled queries: the Python half of `hybrid-eval router train`.

The TypeScript command checks the labels and writes them as JSONL ({"text", "label"} per line);
this script trains and writes a model folder in the layout the router loads (model.onnx,
tokenizer.json, tokenizer_config.json, special_tokens_map.json, config.json, training-log.json)
into --out. The command then scores the folder with onnxruntime and writes the model card.

Two starting points:
  --base DIR   fine-tune a router folder (by default the shipped models/router): its tokenizer is
               kept, its weights are read back out of model.onnx (see load_onnx_weights);
  --scratch    a new WordPiece vocabulary from the training texts and random weights (as
               models/router/train.py does).

Runs with Debian's PyTorch (python3-torch, python3-onnx), on CPU, seeded and deterministic
(torch.use_deterministic_algorithms, one thread): the same data, seed and flags give the same
model.onnx bytes.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path

import onnx
import torch
from onnx import numpy_helper
from torch import nn

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / 'models' / 'router'))
from bert import BertClassifier, BertConfig  # noqa: E402
from train import Batches, calibrate, logits_of, metrics, predict  # noqa: E402
from wordpiece import SPECIAL_TOKENS, WordPieceTokenizer, train_vocab  # noqa: E402

LABELS = ['simple', 'medium', 'complex']


def read_data(path: Path) -> list[tuple[str, int]]:
    rows = []
    with path.open(encoding='utf-8') as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                rows.append((record['text'], LABELS.index(record['label'])))
    return rows


def split(rows: list[tuple[str, int]], share: float, seed: int) -> tuple[list, list]:
    """Stratified validation split over distinct texts: copies of one text never straddle it."""
    by_text: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        by_text.setdefault(row[0], []).append(row)
    rng = random.Random(seed)
    training, validation = [], []
    for label in range(len(LABELS)):
        # A text's class is its most common label (ties: the more expensive tier).
        texts = sorted(
            text for text, copies in by_text.items()
            if max(range(len(LABELS)), key=lambda k: (sum(1 for c in copies if c[1] == k), k)) == label
        )
        rng.shuffle(texts)
        take = max(2, math.ceil(len(texts) * share)) if len(texts) >= 4 else 0
        for index, text in enumerate(texts):
            (validation if index < take else training).extend(by_text[text])
    return training, validation


def read_vocab(tokenizer_json: dict) -> list[str]:
    model = tokenizer_json.get('model') or {}
    if model.get('type') != 'WordPiece':
        raise SystemExit('the base router\'s tokenizer.json is not a WordPiece tokenizer; fine-tune needs one (or use --scratch)')
    vocab = model['vocab']
    ordered = [''] * len(vocab)
    for token, index in vocab.items():
        ordered[index] = token
    missing = [token for token in SPECIAL_TOKENS if token not in vocab]
    if missing:
        raise SystemExit(f'the base router\'s tokenizer.json lacks {", ".join(missing)}')
    return ordered


def load_onnx_weights(model: BertClassifier, path: Path) -> list[str]:
    """Reads the weights of a router exported by this project's bert.py back out of model.onnx.

    The export keeps parameter names for embeddings, biases, LayerNorms, pooler and classifier; the
    encoder's Linear weights become anonymous MatMul initializers (transposed), each followed by the
    Add of its named bias, which is how they are matched. The token-type row is folded into one
    anonymous Add constant. Returns the parameter names that were not found (must be empty)."""
    graph = onnx.load(str(path)).graph
    initializers = {item.name: numpy_helper.to_array(item) for item in graph.initializer}
    state = model.state_dict()
    loaded: dict[str, torch.Tensor] = {}
    for name, array in initializers.items():
        if name in state and tuple(state[name].shape) == tuple(array.shape):
            loaded[name] = torch.from_numpy(array.copy())
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in graph.node:
        if node.op_type != 'MatMul' or node.input[1] not in initializers or node.input[1] in state:
            continue
        for following in consumers.get(node.output[0], []):
            if following.op_type != 'Add':
                continue
            for bias in following.input:
                if bias.endswith('.bias') and bias in initializers:
                    weight = bias[: -len('.bias')] + '.weight'
                    if weight in state:
                        loaded[weight] = torch.from_numpy(initializers[node.input[1]].T.copy())
    hidden = model.config.hidden_size
    token_type = [
        array for name, array in initializers.items()
        if name not in state and tuple(array.shape) == (hidden,)
        and any(node.op_type == 'Add' for node in consumers.get(name, []))
    ]
    if len(token_type) == 1:
        row = state['embeddings.token_type_embeddings.weight'].clone()
        row[0] = torch.from_numpy(token_type[0].copy())
        loaded['embeddings.token_type_embeddings.weight'] = row
    missing = [name for name in state if name not in loaded]
    if not missing:
        model.load_state_dict(loaded)
    return missing


def base_model(base: Path) -> tuple[BertClassifier, BertConfig, WordPieceTokenizer, dict, dict]:
    config_json = json.loads((base / 'config.json').read_text(encoding='utf-8'))
    tokenizer_json = json.loads((base / 'tokenizer.json').read_text(encoding='utf-8'))
    id2label = [config_json['id2label'][str(i)] for i in range(len(config_json['id2label']))]
    if id2label != LABELS:
        raise SystemExit(f'{base}: config.json id2label is {id2label}; fine-tuning needs {LABELS} in that order (or use --scratch)')
    config = BertConfig(
        vocab_size=config_json['vocab_size'],
        hidden_size=config_json['hidden_size'],
        num_hidden_layers=config_json['num_hidden_layers'],
        num_attention_heads=config_json['num_attention_heads'],
        intermediate_size=config_json['intermediate_size'],
        max_position_embeddings=config_json['max_position_embeddings'],
        type_vocab_size=config_json.get('type_vocab_size', 2),
        num_labels=len(LABELS),
        pad_token_id=config_json.get('pad_token_id', 0),
    )
    model = BertClassifier(config)
    missing = load_onnx_weights(model, base / 'model.onnx')
    if missing:
        raise SystemExit(f'{base}/model.onnx: cannot read these weights back for fine-tuning: {", ".join(missing)} (use --scratch)')
    tokenizer = WordPieceTokenizer(read_vocab(tokenizer_json), config_json.get('max_length', config.max_position_embeddings))
    return model, config, tokenizer, config_json, tokenizer_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', type=Path, required=True, help='JSONL: {"text": ..., "label": simple|medium|complex}')
    parser.add_argument('--out', type=Path, required=True)
    start = parser.add_mutually_exclusive_group(required=True)
    start.add_argument('--base', type=Path, help='router folder to fine-tune')
    start.add_argument('--scratch', action='store_true', help='new vocabulary and random weights')
    parser.add_argument('--verify-base', type=Path, help='only check that the base weights reproduce this fixture\'s logits, then exit')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--epochs', type=int, default=None,
                        help='default: enough for 300 optimiser steps, at least 4 and at most 12 (fine-tuning); 10 from scratch')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--validation-share', type=float, default=0.1)
    parser.add_argument('--complex-weight', type=float, default=2.0)
    parser.add_argument('--crop', type=float, default=0.5)
    parser.add_argument('--drop', type=float, default=0.1)
    parser.add_argument('--label-smoothing', type=float, default=0.05)
    parser.add_argument('--vocab-size', type=int, default=8000)
    args = parser.parse_args()

    started = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    if args.verify_base is not None:
        verify_base(args)
        return

    lr = args.lr
    rows = read_data(args.data)
    training, validation = split(rows, args.validation_share, args.seed)
    # A small label set needs more passes to move the weights as far: at least 300 optimiser steps
    # (1,200 labels: 9 epochs; 10,000 labels: 4). Measured in bench/RESULTS.md.
    steps_per_epoch = math.ceil(len(training) / args.batch_size)
    epochs = args.epochs if args.epochs is not None else (10 if args.scratch else min(12, max(4, math.ceil(300 / steps_per_epoch))))
    print(f'training {len(training)}, validation {len(validation)}', flush=True)

    base_version = None
    if args.scratch:
        vocab = train_vocab((row[0] for row in training), vocab_size=args.vocab_size)
        tokenizer = WordPieceTokenizer(vocab, 128)
        config = BertConfig(vocab_size=len(vocab), num_labels=len(LABELS), pad_token_id=tokenizer.pad_id)
        model = BertClassifier(config)
        tokenizer_json = tokenizer.tokenizer_json()
    else:
        model, config, tokenizer, base_config, tokenizer_json = base_model(args.base)

    def encode(rows):
        return [tokenizer.encode(row[0]) for row in rows], [row[1] for row in rows]

    train_ids, train_labels = encode(training)
    validation_ids, validation_labels = encode(validation)
    counts = torch.bincount(torch.tensor(train_labels), minlength=len(LABELS)).float()
    weights = counts.sum() / (len(LABELS) * counts)
    weights[LABELS.index('complex')] *= args.complex_weight

    history = []
    if not args.scratch:
        before = metrics(predict(model, validation_ids, tokenizer.pad_id), validation_labels)
        history.append({'epoch': 0, 'loss': None, 'validation': before})
        print(f'base router on validation: acc {before["accuracy"]:.4f} complex recall {before["recall"]["complex"]:.4f}', flush=True)

    loss_fn = nn.CrossEntropyLoss(weight=weights, label_smoothing=args.label_smoothing)
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=lr)
    batches = Batches(train_ids, train_labels, args.batch_size, tokenizer.pad_id, args.crop, args.drop)
    total_steps = math.ceil(len(train_ids) / args.batch_size) * epochs
    warmup = max(1, total_steps // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / max(1, total_steps - warmup)))
    )
    rng = random.Random(args.seed)
    best_score, best_state, best_epoch = -1.0, None, 0
    for epoch in range(1, epochs + 1):
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
        recall = result['recall']['complex']
        score = result['accuracy'] + (0.0 if math.isnan(recall) else recall)
        history.append({'epoch': epoch, 'loss': total_loss / len(train_ids), 'validation': result})
        print(f'epoch {epoch} loss {total_loss / len(train_ids):.4f} validation accuracy {result["accuracy"]:.4f} '
              f'complex recall {recall:.4f} ({time.time() - started:.0f}s)', flush=True)
        if score > best_score:
            best_score, best_epoch = score, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    calibration = calibrate(model, logits_of(model, validation_ids, tokenizer.pad_id), validation_labels)
    calibrated = metrics(predict(model, validation_ids, tokenizer.pad_id), validation_labels)
    write_folder(args.out, model, config, tokenizer, tokenizer_json)
    log = {
        'trainer': 'src/router/train/train_router.py',
        'start': 'scratch' if args.scratch else 'fine-tune',
        'base': None if args.scratch else str(args.base),
        'args': {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k not in ('data', 'out', 'verify_base')},
        'epochs': epochs,
        'lr': lr,
        'torch': torch.__version__,
        'training_examples': len(training),
        'validation_examples': len(validation),
        'class_counts': {'training': per_class(train_labels), 'validation': per_class(validation_labels)},
        'loss_weights': [round(w, 4) for w in weights.tolist()],
        'best_epoch': best_epoch,
        'calibration': calibration,
        'validation': calibrated,
        'history': history,
        'training_texts': sorted({row[0] for row in training}),
        'validation_texts': sorted({row[0] for row in validation}),
        'seconds': round(time.time() - started, 1),
    }
    (args.out / 'training-log.json').write_text(json.dumps(log, indent=2) + '\n', encoding='utf-8')
    print(f'best epoch {best_epoch}, done in {time.time() - started:.0f}s', flush=True)


def per_class(labels: list[int]) -> dict:
    return {label: sum(1 for value in labels if value == k) for k, label in enumerate(LABELS)}


def write_folder(out: Path, model: BertClassifier, config: BertConfig, tokenizer: WordPieceTokenizer, tokenizer_json: dict) -> None:
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
        'max_length': tokenizer.max_length,
        'torch_dtype': 'float32',
    }
    (out / 'config.json').write_text(json.dumps(hf_config, indent=2) + '\n', encoding='utf-8')
    (out / 'tokenizer.json').write_text(json.dumps(tokenizer_json, ensure_ascii=False, indent=2) + '\n', encoding='utf-8')
    (out / 'tokenizer_config.json').write_text(json.dumps(tokenizer.tokenizer_config_json(), indent=2) + '\n', encoding='utf-8')
    special = {'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]', 'mask_token': '[MASK]'}
    (out / 'special_tokens_map.json').write_text(json.dumps(special, indent=2) + '\n', encoding='utf-8')


def verify_base(args) -> None:
    """Fine-tuning starts from weights read back out of ONNX: prove they are the exported ones by
    reproducing the logits PyTorch wrote into the tokenizer fixture when it trained the model."""
    model, _, tokenizer, _, _ = base_model(args.base)
    model.eval()
    fixture = json.loads(args.verify_base.read_text(encoding='utf-8'))
    worst, checked = 0.0, 0
    with torch.no_grad():
        for case in fixture['cases']:
            if 'logits' not in case:
                continue
            ids = torch.tensor([tokenizer.encode(case['text'])])
            logits = model(ids, torch.ones_like(ids))[0].tolist()
            worst = max(worst, max(abs(a - b) for a, b in zip(logits, case['logits'])))
            checked += 1
    print(json.dumps({'checked': checked, 'max_abs_diff': worst}))


if __name__ == '__main__':
    main()
