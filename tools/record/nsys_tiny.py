"""Tiny Llama training with NVTX ranges (emit_nvtx + ProfilerStep#i), for Nsight Systems."""
import sys
import torch

sys.argv = [sys.argv[0], "unused-out"]
from gen_traces import tiny, trainer  # noqa: E402

step = trainer(tiny("sdpa"), 2, 128)
for _ in range(2):
    step()
torch.cuda.synchronize()
with torch.autograd.profiler.emit_nvtx(record_shapes=True):
    for i in range(3):
        torch.cuda.nvtx.range_push(f"ProfilerStep#{i}")
        step()
        torch.cuda.nvtx.range_pop()
torch.cuda.synchronize()
