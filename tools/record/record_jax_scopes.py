"""JAX: a jitted 4-layer transformer-like model with jax.named_scope on layers, attention, MLP.

    python3 record_jax_scopes.py OUTDIR
Batch 8 x 256 tokens, hidden 512, 8 heads, MLP 2048, bf16, causal attention written
out (einsum + softmax); value_and_grad of a mean-square loss, 3 calls inside
jax.profiler.trace(create_perfetto_trace=True). Scopes: transformer/layer_i/{norm1,
attn, norm2, mlp}, transformer/head. Writes OUTDIR/jax-scopes/ (XPlane + trace.json.gz).
"""
import os, sys
import jax
import jax.numpy as jnp

out = os.path.join(sys.argv[1], "jax-scopes")
L, D, NH, FF, B, S = 4, 512, 8, 2048, 8, 256
DH = D // NH


def init(key):
    def w(k, shape):
        return (jax.random.normal(k, shape, jnp.float32) / jnp.sqrt(shape[0])).astype(jnp.bfloat16)
    layers = []
    for k in jax.random.split(key, L):
        ks = jax.random.split(k, 6)
        layers.append(dict(wq=w(ks[0], (D, D)), wk=w(ks[1], (D, D)), wv=w(ks[2], (D, D)),
                           wo=w(ks[3], (D, D)), w1=w(ks[4], (D, FF)), w2=w(ks[5], (FF, D)),
                           g1=jnp.ones(D, jnp.bfloat16), g2=jnp.ones(D, jnp.bfloat16)))
    return layers


def rms(x, g):
    v = jnp.mean(x.astype(jnp.float32) ** 2, -1, keepdims=True)
    return (x * jax.lax.rsqrt(v + 1e-6).astype(x.dtype)) * g


def attn(p, x):
    q, k, v = [(x @ p[n]).reshape(B, S, NH, DH) for n in ("wq", "wk", "wv")]
    s = jnp.einsum("bqhd,bkhd->bhqk", q, k).astype(jnp.float32) / jnp.sqrt(DH)
    s = jnp.where(jnp.tril(jnp.ones((S, S), bool)), s, -1e9)
    o = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(s, -1).astype(x.dtype), v)
    return o.reshape(B, S, D) @ p["wo"]


def mlp(p, x):
    return jax.nn.gelu(x @ p["w1"]) @ p["w2"]


def loss(layers, x):
    with jax.named_scope("transformer"):
        for i, p in enumerate(layers):
            with jax.named_scope(f"layer_{i}"):
                with jax.named_scope("norm1"):
                    h = rms(x, p["g1"])
                with jax.named_scope("attn"):
                    x = x + attn(p, h)
                with jax.named_scope("norm2"):
                    h = rms(x, p["g2"])
                with jax.named_scope("mlp"):
                    x = x + mlp(p, h)
        with jax.named_scope("head"):
            return jnp.mean(x.astype(jnp.float32) ** 2)


key = jax.random.PRNGKey(0)
params = init(key)
x = jax.random.normal(key, (B, S, D), jnp.bfloat16)
f = jax.jit(jax.value_and_grad(loss))
jax.block_until_ready(f(params, x))
with jax.profiler.trace(out, create_perfetto_trace=True):
    for _ in range(3):
        r = f(params, x)
    jax.block_until_ready(r)
for root, _, files in os.walk(out):
    for n in files:
        print(os.path.join(root, n), os.path.getsize(os.path.join(root, n)), flush=True)
