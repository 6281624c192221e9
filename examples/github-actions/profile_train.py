"""Profile a few training steps with the PyTorch Profiler, for llmprof in CI.

Writes a Kineto trace (gzip) that `npx llmprof analyze` reads. Replace
`make_model` and `train_step` with your own; keep the profiler settings:
  - schedule(wait=1, warmup=1, active=N): N profiled steps. Use N >= 5 when you
    compare runs: llmprof's noise rule needs several steps to measure the
    step-to-step spread (with one step per run it cannot judge noise at all).
  - with_stack=True: records the nn.Module spans llmprof's module breakdown and
    `modules.*` budget lines need.
  - record_shapes / with_flops: operator shapes and FLOPs.

Usage: python profile_train.py --out trace.json.gz [--steps 5] [--attn sdpa|eager]
"""
import argparse
import gzip
import os
import shutil

import torch
from torch.profiler import ProfilerActivity, profile, schedule

VOCAB = 32000


def make_model(attn: str) -> torch.nn.Module:
    # A tiny Llama with random weights (no download): 2 layers, hidden 256.
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=VOCAB, hidden_size=256, intermediate_size=688, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048)
    cfg._attn_implementation = attn
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg)
    model.config._attn_implementation = attn
    return model.to(torch.bfloat16)


def make_train_step(model: torch.nn.Module, batch: int, seq: int):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def train_step():
        ids = torch.randint(0, VOCAB, (batch, seq), device="cuda")
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    return train_step


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="trace.json.gz")
    ap.add_argument("--steps", type=int, default=5, help="profiled steps")
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    args = ap.parse_args()

    step = make_train_step(make_model(args.attn), batch=2, seq=128)
    raw = args.out[: -len(".gz")] if args.out.endswith(".gz") else args.out
    with profile(
        activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA],
        schedule=schedule(wait=1, warmup=1, active=args.steps, repeat=1),
        record_shapes=True,
        with_stack=True,
        with_flops=True,
        on_trace_ready=lambda p: p.export_chrome_trace(raw),
    ) as prof:
        for _ in range(2 + args.steps):
            step()
            prof.step()
    torch.cuda.synchronize()
    if raw != args.out:
        with open(raw, "rb") as src, gzip.open(args.out, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.remove(raw)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
