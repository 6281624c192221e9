"""Small real traces for llmprof's fixtures (run on a GPU machine).

Reuses ../shared/tools/gen_traces.py (copied next to this file): the tiny Llama
(2 layers, hidden 256, bf16, AdamW), recorded with the PyTorch Profiler.
Usage: python3 record_tiny.py OUTDIR
"""
import sys
import torch

out = sys.argv[1]
sys.argv = [sys.argv[0], out]
import gen_traces as g  # noqa: E402

# eager (matmul + softmax) attention: the FlashAttention comparison pair of llama-tiny-train (sdpa)
g.profile_steps("llama-tiny-train-eager", g.trainer(g.tiny("eager"), 2, 128))

# activation recomputation (gradient checkpointing), batch 4
m = g.tiny("sdpa")
m.gradient_checkpointing_enable()
m.config.use_cache = False
g.profile_steps("llama-tiny-train-recompute-bs4", g.trainer(m, 4, 128))

# with_stack=False: no nn.Module spans, no memory events
g.profile_steps("llama-tiny-train-nostack", g.trainer(g.tiny(), 2, 128), stack=False, mem=False)

# six profiled steps, for step-to-step noise
g.profile_steps("llama-tiny-train-6steps", g.trainer(g.tiny(), 2, 128), active=6, mem=False)

# generate(): batch 2, 64 prompt tokens, 8 new tokens
mi = g.tiny().eval()


def infer():
    ids = torch.randint(0, g.VOCAB, (2, 64), device=g.DEV)
    with torch.no_grad():
        mi.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=8,
                    min_new_tokens=8, do_sample=False, pad_token_id=0)


g.profile_steps("llama-tiny-infer-bs2", infer, active=1, mem=False)
