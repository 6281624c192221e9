"""A GPU-bound training trace: 2 decoder layers of the 1.1B shape, batch 8 x 1024,
SDPA, fused AdamW, with_stack; the counterpart of the host-bound tiny traces."""
import sys
import torch

out = sys.argv[1]
sys.argv = [sys.argv[0], out]
import gen_traces as g  # noqa: E402

m = g.llama(2, 2048, 5632, 32, 4, "sdpa")
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, fused=True)


def step():
    ids = torch.randint(0, g.VOCAB, (8, 1024), device=g.DEV)
    loss = m(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


g.profile_steps("l2-train-gpu-bound-bs8", step, mem=False)
