/** Module span names from Kineto and from NVTX ranges (class names, dotted paths). */
import { describe, expect, it } from "vitest";
import { dottedLabel, hasClassAndPath, moduleClassName, moduleClassOfSpan, moduleKindName, moduleShortName } from "../../src/analysis/module-names.js";
import { isModuleName } from "../../parsers/nsys-nvtx.js";

describe("module names", () => {
  it("Kineto spans and class-named NVTX ranges: class without the _k suffix", () => {
    expect(moduleShortName("nn.Module: LlamaMLP_3")).toBe("LlamaMLP_3");
    expect(moduleClassName(moduleShortName("nn.Module: LlamaMLP_3"))).toBe("LlamaMLP");
    expect(moduleClassName(moduleShortName("LlamaDecoderLayer"))).toBe("LlamaDecoderLayer");
  });

  it("dotted module paths (forward hooks): numbered layers fold into one class row; labels are relative to the parent", () => {
    // what the README's hook snippet pushes is always a module range; bare dotted paths when they look like one
    for (const n of ["nn.Module: model.embed_tokens", "nn.Module: lm_head", "model.layers.3.mlp", "model.layers.12"]) expect(isModuleName(n), n).toBe(true);
    expect(moduleShortName("nn.Module: model.layers.3.mlp")).toBe("model.layers.3.mlp");
    expect(moduleClassName("model.layers.3.mlp")).toBe("model.layers.*.mlp");
    expect(moduleClassName("model.layers.12")).toBe("model.layers.*");
    expect(dottedLabel("model.layers.3.mlp", "model.layers.3")).toBe("mlp");
    expect(dottedLabel("model.layers.3", "model")).toBe("layers.3");
    expect(dottedLabel("lm_head", "model")).toBe("lm_head");
  });

  it('the hook snippet\'s "Class: path": class from the prefix (as Kineto names it), instance by path', () => {
    for (const n of ["LlamaMLP: model.layers.3.mlp", "Linear: lm_head", "LlamaForCausalLM: model", "LlamaRMSNorm: model.norm"]) expect(isModuleName(n), n).toBe(true);
    // a class prefix needs a module path after it; annotations with a colon stay annotations
    for (const n of ["Epoch: 3", "Loss: 0.25", "autograd::engine::evaluate_function: MmBackward0", "Note: see model.layers", "LlamaMLP: "]) expect(isModuleName(n), n).toBe(false);
    expect(moduleShortName("LlamaMLP: model.layers.3.mlp")).toBe("model.layers.3.mlp");
    expect(moduleClassOfSpan("LlamaMLP: model.layers.3.mlp")).toBe("LlamaMLP");
    expect(moduleClassOfSpan("LlamaForCausalLM: model")).toBe("LlamaForCausalLM");
    expect(moduleClassOfSpan("nn.Module: LlamaMLP_3")).toBe("LlamaMLP");
    expect(moduleClassOfSpan("model.layers.3.mlp")).toBe("model.layers.*.mlp");
    expect(hasClassAndPath("Linear: lm_head")).toBe(true);
    expect(hasClassAndPath("nn.Module: LlamaMLP_3")).toBe(false);
  });

  it("kind names for rules: the class, or a dotted path's last segment, never the whole path", () => {
    expect(moduleKindName("LlamaRMSNorm: model.layers.0.post_attention_layernorm")).toBe("LlamaRMSNorm");
    expect(moduleKindName("Linear: model.layers.0.self_attn.q_proj")).toBe("Linear");
    expect(moduleKindName("nn.Module: LlamaAttention_3")).toBe("LlamaAttention");
    expect(moduleKindName("model.layers.3.self_attn")).toBe("self_attn");
    expect(moduleKindName("model.layers.3.self_attn.q_proj")).toBe("q_proj");
  });
});
