"""Pipeline parallel (PP=2): the "small" Llama split into 2 stages, Schedule1F1B.

    torchrun --nproc-per-node 2 record_pp.py OUTDIR M
M micro-batches of fixed size 2 x 256 tokens (the global batch grows with M: 2*M
sequences), so each micro-batch's work is the same in the m=4 and m=8 recordings.
Stage 0 = embedding + layers 0-1, stage 1 = layers 2-3 + norm + lm_head + loss.
Writes OUTDIR/pp-m{M}-rank{r}.json (Kineto, no stacks).
"""
import os, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.distributed as dist
from torch.distributed.pipelining import PipelineStage, Schedule1F1B
from rec_common import SMALL, llama, init_dist, kineto

out, m = sys.argv[1], int(sys.argv[2])
MB, SEQ = int(os.environ.get("PP_MB", "2")), int(os.environ.get("PP_SEQ", "256"))
# PP_WIDE=1: hidden 1024, MLP 2816, 16 heads, 8 KV heads, so that with PP_MB=8 PP_SEQ=4096
# each micro-batch is GPU-bound (the 512-wide model's steps are dominated by host launches)
WIDE = dict(hidden_size=1024, intermediate_size=2816, num_attention_heads=16, num_key_value_heads=8, max_position_embeddings=4096)
rank, world, dev = init_dist()
SMALL = dict(SMALL, **(WIDE if os.environ.get("PP_WIDE") else {}), num_hidden_layers=int(os.environ.get("PP_LAYERS", "4")))  # 2: compact fixtures
full = llama(SMALL)


class Stage(nn.Module):
    """Decoder layers [lo, hi) of the model, with the embedding on the first stage and the head on the last."""
    def __init__(self, lo, hi, first, last):
        super().__init__()
        self.embed = full.model.embed_tokens if first else None
        self.layers = nn.ModuleList(full.model.layers[lo:hi])
        self.rotary = full.model.rotary_emb
        self.norm = full.model.norm if last else None
        self.head = full.lm_head if last else None

    def forward(self, x):
        h = self.embed(x) if self.embed is not None else x
        pos = torch.arange(h.shape[1], device=h.device).unsqueeze(0)
        pe = self.rotary(h, pos)
        for layer in self.layers:
            o = layer(h, position_embeddings=pe, position_ids=pos)
            h = o[0] if isinstance(o, tuple) else o
        return self.head(self.norm(h)) if self.head is not None else h


per = SMALL["num_hidden_layers"] // world
mod = Stage(rank * per, (rank + 1) * per, rank == 0, rank == world - 1).to(dev)
stage = PipelineStage(mod, rank, world, dev)


def loss_fn(logits, target):
    return F.cross_entropy(logits.flatten(0, 1).float(), target.flatten())


sched = Schedule1F1B(stage, n_microbatches=m, loss_fn=loss_fn)
opt = torch.optim.AdamW(mod.parameters(), lr=1e-4)
g = torch.Generator(device=dev).manual_seed(0)   # same tokens on both ranks


def step():
    ids = torch.randint(0, SMALL["vocab_size"], (MB * m, SEQ), device=dev, generator=g)
    if rank == 0:
        sched.step(ids)
    else:
        sched.step(target=ids, losses=[])
    opt.step()
    opt.zero_grad(set_to_none=True)


kineto(f"{out}/pp{os.environ.get('PP_TAG', '')}-m{m}-rank{rank}.json", step)
dist.barrier()
dist.destroy_process_group()
