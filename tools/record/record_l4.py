"""One GPU: 4 decoder layers of the TinyLlama-1.1B shape, training (batch 2 x 350, AdamW).

    python3 record_l4.py plain          # under `nsys profile -t cuda`: no NVTX at all
    python3 record_l4.py hooks          # under `nsys profile -t cuda,nvtx`: module ranges
    python3 record_l4.py kineto OUTDIR  # PyTorch Profiler, with_stack, same model and steps
"""
import sys
import torch
from rec_common import L4, llama, kineto

mode = sys.argv[1]
BS, SEQ = 2, 350
model = llama(L4, "cuda")
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
g = torch.Generator(device="cuda").manual_seed(0)


def step():
    ids = torch.randint(0, L4["vocab_size"], (BS, SEQ), device="cuda", generator=g)
    model(input_ids=ids, labels=ids).loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


def push_range(label):
    def hook(module, args):
        torch.cuda.nvtx.range_push(label)   # returns nothing: a pre-hook's value would replace the inputs
    return hook


def pop_range(module, args, output):
    torch.cuda.nvtx.range_pop()             # returns nothing: a hook's value would replace the output


def add_module_ranges(model):
    """The forward-hook snippet: one NVTX range "Class: name" around every module call."""
    for name, m in model.named_modules():
        m.register_forward_pre_hook(push_range(f"{type(m).__name__}: {name or 'model'}"))
        m.register_forward_hook(pop_range)


for _ in range(2):
    step()
torch.cuda.synchronize()
if mode == "plain":
    for _ in range(3):
        step()
    torch.cuda.synchronize()
elif mode == "hooks":
    add_module_ranges(model)
    with torch.autograd.profiler.emit_nvtx(record_shapes=True):
        for i in range(3):
            torch.cuda.nvtx.range_push(f"ProfilerStep#{i}")
            step()
            torch.cuda.synchronize()
            torch.cuda.nvtx.range_pop()
else:
    kineto(f"{sys.argv[2]}/l4-train-kineto-stack.json", step, stack=True)
