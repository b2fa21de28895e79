"""Tiny ONNX models for src/router's start-up validation tests (not routers: their weights are random).

    /usr/bin/python3 models/router/make_test_models.py

writes into src/router/test-models/:
  wrong-inputs.onnx       inputs ids, mask            -> logits   (must be refused: input names)
  token-type-ids.onnx     input_ids, attention_mask, token_type_ids -> logits (accepted: zeros fed)
  wrong-output.onnx       input_ids, attention_mask   -> scores   (must be refused: output name)
  four-logits.onnx        input_ids, attention_mask   -> logits with 4 columns (refused: id2label has 3)
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / 'src' / 'router' / 'test-models'


class Tiny(nn.Module):
    def __init__(self, vocab_size: int, labels: int, token_types: bool) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, labels)
        self.token_types = nn.Embedding(2, labels) if token_types else None

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        mask = attention_mask.unsqueeze(-1).to(torch.float32)
        summed = self.embedding(input_ids)
        if self.token_types is not None:
            summed = summed + self.token_types(token_type_ids)
        return (summed * mask).sum(dim=1) / mask.sum(dim=1)


def export(name: str, model: Tiny, input_names: list[str], output_name: str) -> None:
    ids = torch.tensor([[2, 10, 11, 3]])
    args = (ids, torch.ones_like(ids)) if len(input_names) == 2 else (ids, torch.ones_like(ids), torch.zeros_like(ids))
    axes = {name: {0: 'batch_size', 1: 'sequence_length'} for name in input_names}
    axes[output_name] = {0: 'batch_size'}
    torch.onnx.export(model, args, str(OUT / name), input_names=input_names, output_names=[output_name],
                      dynamic_axes=axes, opset_version=17)


def main() -> None:
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    vocab_size = len(json.loads((REPO / 'models' / 'router' / 'tokenizer.json').read_text())['model']['vocab'])
    export('wrong-inputs.onnx', Tiny(vocab_size, 3, False), ['ids', 'mask'], 'logits')
    export('token-type-ids.onnx', Tiny(vocab_size, 3, True), ['input_ids', 'attention_mask', 'token_type_ids'], 'logits')
    export('wrong-output.onnx', Tiny(vocab_size, 3, False), ['input_ids', 'attention_mask'], 'scores')
    export('four-logits.onnx', Tiny(vocab_size, 4, False), ['input_ids', 'attention_mask'], 'logits')


if __name__ == '__main__':
    main()
