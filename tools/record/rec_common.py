"""Shared bits of the issue-22/24 recording scripts: the small Llama, the profiler, ranks."""
import os
import torch
import torch.distributed as dist
from torch.profiler import profile, ProfilerActivity, schedule

# "small" = 4 decoder layers, hidden 512, MLP 1376, 8 heads, 4 KV heads, vocab 8192 (bf16).
SMALL = dict(vocab_size=8192, hidden_size=512, intermediate_size=1376, num_hidden_layers=4,
             num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=1024)
# "l4" = 4 decoder layers of the TinyLlama-1.1B shape.
L4 = dict(vocab_size=32000, hidden_size=2048, intermediate_size=5632, num_hidden_layers=4,
          num_attention_heads=32, num_key_value_heads=4, max_position_embeddings=2048)


def llama(shape, device="cpu"):
    from transformers import LlamaConfig, LlamaForCausalLM
    cfg = LlamaConfig(**shape)
    cfg._attn_implementation = "sdpa"
    torch.manual_seed(0)   # identical weights on every rank
    with torch.device(device):
        m = LlamaForCausalLM(cfg)
    m.config._attn_implementation = "sdpa"
    return m.to(torch.bfloat16)


def init_dist():
    """torchrun's environment -> (rank, world, device); NCCL process group bound to the device."""
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    dev = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    torch.cuda.set_device(dev)
    dist.init_process_group("nccl", device_id=dev)
    return rank, world, dev


def kineto(path, step, stack=False):
    """Two warm-up steps, then schedule(wait=1, warmup=1, active=2) with shapes and FLOPs.
    PROFILE_ACTIVE=1 records one step only (the compact fixtures)."""
    active = int(os.environ.get("PROFILE_ACTIVE", "2"))
    for _ in range(2):
        step()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA],
                 schedule=schedule(wait=1, warmup=1, active=active, repeat=1),
                 record_shapes=True, with_flops=True, with_stack=stack,
                 on_trace_ready=lambda p: p.export_chrome_trace(path)) as p:
        for _ in range(2 + active):
            step()
            torch.cuda.synchronize()
            p.step()
    print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB", flush=True)


def nvtx_steps(step, n=3):
    """Under `nsys profile`: emit_nvtx operator ranges inside ProfilerStep#i ranges."""
    for _ in range(2):
        step()
    torch.cuda.synchronize()
    with torch.autograd.profiler.emit_nvtx(record_shapes=True):
        for i in range(n):
            torch.cuda.nvtx.range_push(f"ProfilerStep#{i}")
            step()
            torch.cuda.synchronize()
            torch.cuda.nvtx.range_pop()
