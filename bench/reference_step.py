"""PyTorch twin of bench/reference-model.ts: the same shapes, layers and loss, one training step
(forward, backward, AdamW) timed the same way (median of --runs after --warmup). bench/step.ts
--pytorch runs it alternately with condformer's torch backend and prints the ratio.

  /usr/bin/python3 bench/reference_step.py --runs 5 --warmup 1 --threads 1

Prints one line: STEP-RESULT {"ok": true, "timesMs": [...], "firstLoss": ..., "threads": n}.
Debian's python3-torch runs on the same libtorch as the torch backend built against libtorch-dev.
"""
import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F

BATCH, IMAGE, PATCH, D_MODEL, NHEAD, LAYERS, NUM_CLASSES = 2, 224, 16, 256, 8, 2, 20


class EncoderLayer(nn.Module):
    """DETR's TransformerEncoderLayer, pre-norm, gelu: positions added to queries and keys."""

    def __init__(self):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(D_MODEL, NHEAD, dropout=0.1, batch_first=True)
        self.linear1 = nn.Linear(D_MODEL, 4 * D_MODEL)
        self.dropout = nn.Dropout(0.1)
        self.linear2 = nn.Linear(4 * D_MODEL, D_MODEL)
        self.norm1 = nn.LayerNorm(D_MODEL)
        self.norm2 = nn.LayerNorm(D_MODEL)
        self.dropout1 = nn.Dropout(0.1)
        self.dropout2 = nn.Dropout(0.1)

    def forward(self, src, pos):
        x = self.norm1(src)
        q = k = x + pos
        src = src + self.dropout1(self.self_attn(q, k, value=x, need_weights=False)[0])
        x = self.norm2(src)
        return src + self.dropout2(self.linear2(self.dropout(F.gelu(self.linear1(x)))))


class ReferenceModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, D_MODEL, PATCH, stride=PATCH)
        self.row_embed = nn.Embedding(50, D_MODEL // 2)
        self.col_embed = nn.Embedding(50, D_MODEL // 2)
        self.layers = nn.ModuleList([EncoderLayer() for _ in range(LAYERS)])
        self.class_embed = nn.Linear(D_MODEL, NUM_CLASSES)
        self.bbox_embed = nn.Sequential(nn.Linear(D_MODEL, D_MODEL), nn.ReLU(), nn.Linear(D_MODEL, D_MODEL), nn.ReLU(), nn.Linear(D_MODEL, 4))

    def forward(self, images):
        x = self.patch_embed(images)  # [B, C, h, w]
        b, c, h, w = x.shape
        grid = torch.cat([self.col_embed.weight[:w].unsqueeze(0).expand(h, w, -1), self.row_embed.weight[:h].unsqueeze(1).expand(h, w, -1)], -1)
        pos = grid.reshape(1, h * w, c).expand(b, -1, -1)
        tokens = x.flatten(2).transpose(1, 2)  # [B, S, C]
        for layer in self.layers:
            tokens = layer(tokens, pos)
        return self.class_embed(tokens), self.bbox_embed(tokens).sigmoid()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ReferenceModel()
    tokens = (IMAGE // PATCH) ** 2
    images = torch.randn(BATCH, 3, IMAGE, IMAGE)
    classes = (torch.rand(BATCH, tokens, NUM_CLASSES) > 0.9).float()
    boxes = torch.rand(BATCH, tokens, 4)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        logits, pred = model(images)
        loss = F.binary_cross_entropy_with_logits(logits, classes) + (pred - boxes).abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    losses = [step() for _ in range(args.warmup)]
    times, cpu_times = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        losses.append(step())
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - c0) * 1000)
    print("STEP-RESULT " + json.dumps({"ok": True, "timesMs": times, "cpuMs": cpu_times, "firstLoss": losses[0], "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
