"""Expert parallelism (EP=2): 4 MoE layers, 8 experts (4 per rank), top-2 routing.

    torchrun --nproc-per-node 2 record_moe.py OUTDIR
Each rank holds 512 tokens (2 x 256, hidden 512, different tokens per rank and per
step), routes them top-2 over 8 experts and sends each token to the rank owning
its expert with dist.all_to_all_single (uneven, data-dependent splits: a fixed
router bias favours the low-numbered experts, which live on rank 0), then back.
The per-expert counts are exchanged first with an even all_to_all_single. Router
and norm gradients are all-reduced (data parallel over the same 2 ranks).
Writes OUTDIR/moe-rank{r}.json (Kineto, no stacks).
"""
import os, sys
import torch
import torch.nn as nn
import torch.distributed as dist
from rec_common import init_dist, kineto

try:   # autograd-aware all_to_all_single (backward sends the gradients back)
    from torch.distributed.nn.functional import all_to_all_single as a2a_autograd
except ImportError:  # pragma: no cover
    a2a_autograd = None

out = sys.argv[1]
E, TOPK, H, FF, TOKENS = 8, 2, 512, 1024, 512
LAYERS = int(os.environ.get("MOE_LAYERS", "4"))   # 2 for the compact fixtures
rank, world, dev = init_dist()
EL = E // world


def a2a(x, out_splits, in_splits):
    buf = x.new_empty((sum(out_splits), x.shape[1]))
    return a2a_autograd(buf, x, out_splits, in_splits)


class Expert(nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.down = nn.Linear(H, FF, bias=False), nn.Linear(FF, H, bias=False)

    def forward(self, x):
        return self.down(torch.nn.functional.gelu(self.up(x)))


class MoELayer(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)            # router and norm identical on both ranks
        self.norm = nn.RMSNorm(H)
        self.router = nn.Linear(H, E, bias=False)
        self.register_buffer("skew", torch.linspace(0.8, -0.8, E))
        torch.manual_seed(100 + rank)   # this rank's own experts
        self.experts = nn.ModuleList(Expert() for _ in range(EL))

    def forward(self, x):
        h = self.norm(x)
        probs = (self.router(h).float() + self.skew).softmax(-1)
        w, idx = probs.topk(TOPK, dim=-1)
        flat = idx.flatten()
        order = flat.argsort(stable=True)          # token copies sorted by expert
        tok = order // TOPK
        counts = torch.bincount(flat, minlength=E)
        recv_counts = torch.empty_like(counts)
        dist.all_to_all_single(recv_counts, counts)  # even split: EL counts to each rank
        send = counts.view(world, EL).sum(1).tolist()
        rc = recv_counts.view(world, EL).tolist()
        recv = [sum(r) for r in rc]
        got = a2a(h[tok], recv, send)              # grouped by source rank, then local expert
        chunks = got.split([c for r in rc for c in r])
        outs = [self.experts[j](torch.cat([chunks[s * EL + j] for s in range(world)]))
                for j in range(EL)]
        pieces = [o.split([rc[s][j] for s in range(world)]) for j, o in enumerate(outs)]
        y = torch.cat([pieces[j][s] for s in range(world) for j in range(EL)])
        back = a2a(y, send, recv)                  # back in this rank's expert order
        gate = w.flatten()[order].unsqueeze(1).to(back.dtype)
        return x + torch.zeros_like(h).index_add(0, tok, back * gate)


model = nn.Sequential(*[MoELayer() for _ in range(LAYERS)]).to(dev, torch.bfloat16)
dense = [p for n, p in model.named_parameters() if "experts" not in n]
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
g = torch.Generator(device=dev).manual_seed(1000 + rank)   # different tokens per rank


def step():
    x = torch.randn(TOKENS, H, device=dev, generator=g, dtype=torch.bfloat16)
    model(x).float().pow(2).mean().backward()
    for p in dense:
        dist.all_reduce(p.grad)
        p.grad /= world
    opt.step()
    opt.zero_grad(set_to_none=True)


kineto(f"{out}/moe{os.environ.get('TAG', '')}-rank{rank}.json", step)
dist.barrier()
dist.destroy_process_group()
