"""Tensor parallel (TP=2): the "small" Llama with Colwise/RowwiseParallel on attention and MLP.

    torchrun --nproc-per-node 2 record_tp.py OUTDIR
q/k/v/gate/up projections ColwiseParallel, o/down RowwiseParallel (one all-reduce
after attention and one after the MLP, forward and backward); embedding, norms and
lm_head replicated. Batch 4 x 256 tokens, the same on both ranks. Writes
OUTDIR/tp-rank{r}.json (Kineto); with NSYS=1 set, NVTX ranges (emit_nvtx +
ProfilerStep#i, 3 steps) for Nsight Systems instead.
"""
import os, sys
import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.tensor import DTensor
from torch.distributed.tensor.parallel import parallelize_module, ColwiseParallel, RowwiseParallel
from rec_common import SMALL, llama, init_dist, kineto, nvtx_steps

out = sys.argv[1]
BS, SEQ = 4, 256
rank, world, dev = init_dist()
mesh = init_device_mesh("cuda", (world,))
model = llama(dict(SMALL, num_hidden_layers=int(os.environ.get("TP_LAYERS", "4"))), dev)  # 2: compact fixtures
plan = {"self_attn.q_proj": ColwiseParallel(), "self_attn.k_proj": ColwiseParallel(),
        "self_attn.v_proj": ColwiseParallel(), "self_attn.o_proj": RowwiseParallel(),
        "mlp.gate_proj": ColwiseParallel(), "mlp.up_proj": ColwiseParallel(),
        "mlp.down_proj": RowwiseParallel()}
for layer in model.model.layers:
    parallelize_module(layer, mesh, plan)
# foreach AdamW cannot mix DTensor and plain parameters: one optimizer for each kind
sharded = [p for p in model.parameters() if isinstance(p, DTensor)]
plain = [p for p in model.parameters() if not isinstance(p, DTensor)]
opts = [torch.optim.AdamW(ps, lr=1e-4) for ps in (sharded, plain) if ps]
g = torch.Generator(device=dev).manual_seed(0)


def step():
    ids = torch.randint(0, SMALL["vocab_size"], (BS, SEQ), device=dev, generator=g)
    model(input_ids=ids, labels=ids).loss.backward()
    for o in opts:
        o.step()
        o.zero_grad(set_to_none=True)


if os.environ.get("NSYS"):
    nvtx_steps(step)
else:
    kineto(f"{out}/tp{os.environ.get('TAG', '')}-rank{rank}.json", step)
dist.barrier()
dist.destroy_process_group()
