#!/usr/bin/env python3
"""Independent float64 PyTorch forward passes for the Hugging Face decoder families Interrogate loads.

Usage: families.py MODEL_DIR REQUEST_JSON OUT_DIR
       families.py JOBS_JSON        (a list of {"model": MODEL_DIR, "request": ..., "out": OUT_DIR}; one torch start for all)

REQUEST_JSON is {"ids": [[...], ...]} (unpadded rows of equal length). Writes OUT_DIR/logits.f32
(little-endian float32 [B, T, V]) and OUT_DIR/meta.json {"logits_shape": [...]}.

Written from the published equations of each architecture and the meaning of each config.json key
in Hugging Face transformers (modeling_llama/mistral/qwen2/gemma/gemma2/phi3/gpt_neox.py and
modeling_rope_utils.py), not from Interrogate's C#. Reads only standard config keys (so it also
serves as an independent loader of the files Interrogate writes), needs only torch and numpy, and
computes in float64 throughout.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPE = torch.float64


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        kind = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}.get(info["dtype"])
        if kind is not None:
            arr = np.frombuffer(raw, dtype=kind)
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{name}: dtype {info['dtype']}")
        tensors[name] = torch.from_numpy(arr.astype(np.float64).reshape(info["shape"]).copy())
    return tensors


# ---------------------------------------------------------------- activations and norms

def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def act(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return gelu_tanh(x)
    if name == "gelu":
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name in ("silu", "swish"):
        return x / (1.0 + torch.exp(-x))
    if name == "relu":
        return torch.clamp(x, min=0)
    raise SystemExit(f"activation {name}")


def rms(x, w, eps, offset=0.0):
    # x / sqrt(mean(x^2) + eps) * (offset + w)
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * (offset + w)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def lin(x, W, name, bias=True):
    y = x @ W[name + ".weight"].T
    if bias and name + ".bias" in W:
        y = y + W[name + ".bias"]
    return y


# ---------------------------------------------------------------- rotary positions

def inv_freq(cfg, dim, theta, seq_len, context):
    """Inverse frequencies of the dim rotated dimensions, with cfg's rope_scaling; and the cos/sin factor."""
    base = [1.0 / theta ** (2.0 * i / dim) for i in range(dim // 2)]
    rs = cfg.get("rope_scaling")
    if rs is None:
        return base, 1.0
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "default":
        return base, 1.0
    s = rs["factor"]
    if kind == "linear":
        # positions divided by s
        return [f / s for f in base], 1.0
    if kind == "dynamic":
        # NTK-aware: past the original context L, base θ' = θ·(s·n/L − (s − 1))^(d/(d−2))
        if seq_len > context:
            theta2 = theta * (s * seq_len / context - (s - 1)) ** (dim / (dim - 2))
            return [1.0 / theta2 ** (2.0 * i / dim) for i in range(dim // 2)], 1.0
        return base, 1.0
    if kind == "llama3":
        L = rs["original_max_position_embeddings"]
        lo, hi = rs["low_freq_factor"], rs["high_freq_factor"]
        out = []
        for f in base:
            wavelen = 2 * math.pi / f
            if wavelen < L / hi:
                out.append(f)
            elif wavelen > L / lo:
                out.append(f / s)
            else:
                smooth = (L / wavelen - lo) / (hi - lo)
                out.append((1 - smooth) * f / s + smooth * f)
        return out, 1.0
    if kind == "yarn":
        # YaRN (Peng et al. 2023): dimension i keeps its frequency when it turns more than beta_fast
        # times over the original context, is interpolated (f/s) below beta_slow turns, linear ramp between.
        L = rs.get("original_max_position_embeddings", context)
        bf, bs = rs.get("beta_fast", 32), rs.get("beta_slow", 1)

        def dim_for(turns):
            return dim * math.log(L / (turns * 2 * math.pi)) / (2 * math.log(theta))
        low, high = dim_for(bf), dim_for(bs)
        if rs.get("truncate", True):
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, dim - 1)
        if low == high:
            high += 0.001
        out = []
        for i, f in enumerate(base):
            ramp = min(max((i - low) / (high - low), 0.0), 1.0)
            keep = 1 - ramp
            out.append(f / s * (1 - keep) + f * keep)
        mscale = rs.get("attention_factor") or (0.1 * math.log(s) + 1.0 if s > 1 else 1.0)
        return out, mscale
    raise SystemExit(f"rope_scaling {kind}")


def rope(x, pos, freqs, amp):
    """Rotate the first 2·len(freqs) dims of x [B, H, T, Dh] in rotate_half pairing (i with i + r/2)."""
    r = 2 * len(freqs)
    f = torch.tensor(freqs, dtype=DTYPE)
    ang = pos.to(DTYPE)[:, None] * f[None, :]               # [T, r/2]
    cos, sin = torch.cos(ang) * amp, torch.sin(ang) * amp
    xr, rest = x[..., :r], x[..., r:]
    x1, x2 = xr[..., : r // 2], xr[..., r // 2:]
    y1 = x1 * cos - x2 * sin
    y2 = x2 * cos + x1 * sin
    return torch.cat([y1, y2, rest], dim=-1)


# ---------------------------------------------------------------- attention

def attention(q, k, v, scale, softcap=None, window=None):
    """q [B, H, T, Dh], k/v [B, Hk, T, Dh]; causal, optionally windowed (i − j < window) and soft-capped."""
    b, h, t, dh = q.shape
    rep = h // k.shape[1]
    k = k.repeat_interleave(rep, dim=1)
    v = v.repeat_interleave(rep, dim=1)
    s = q @ k.transpose(-1, -2) * scale
    if softcap is not None:
        s = softcap * torch.tanh(s / softcap)
    i = torch.arange(t)[:, None]
    j = torch.arange(t)[None, :]
    allowed = j <= i
    if window is not None:
        allowed = allowed & (i - j < window)
    s = s.masked_fill(~allowed, float("-inf"))
    return torch.softmax(s, dim=-1) @ v                       # [B, H, T, Dh]


def sliding_layers(cfg, n, rule):
    if cfg.get("layer_types"):
        return [t == "sliding_attention" for t in cfg["layer_types"]]
    return [rule(l) for l in range(n)]


# ---------------------------------------------------------------- families

def llama_like(W, cfg, ids, family):
    mt = cfg["model_type"]
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    dh = cfg.get("head_dim") or d // nh
    n = cfg["num_hidden_layers"]
    theta = cfg.get("rope_theta", 10000.0)
    context = cfg.get("max_position_embeddings", 2048)
    b, t = ids.shape
    pos = torch.arange(t)
    gemma = mt in ("gemma", "gemma2")
    offset = 1.0 if gemma else 0.0
    eps = cfg.get("rms_norm_eps", 1e-6)
    if gemma:
        fn = cfg.get("hidden_activation") or (cfg.get("hidden_act") if mt == "gemma2" else None) or "gelu_pytorch_tanh"
    else:
        fn = cfg.get("hidden_act", "silu")
    rot = int(dh * cfg.get("partial_rotary_factor", 1.0))
    freqs, amp = inv_freq(cfg, rot, theta, t, context)
    scale = cfg["query_pre_attn_scalar"] ** -0.5 if mt == "gemma2" else dh ** -0.5
    softcap = cfg.get("attn_logit_softcapping") if mt == "gemma2" else None
    window = cfg.get("sliding_window")
    if mt == "gemma2":
        slides = sliding_layers(cfg, n, lambda l: l % 2 == 0)
    elif mt == "qwen2":
        use = cfg.get("use_sliding_window", False)
        slides = sliding_layers(cfg, n, lambda l: use and l >= cfg.get("max_window_layers", n))
        if not use:
            window = None
    elif mt in ("mistral", "phi3"):
        slides = sliding_layers(cfg, n, lambda l: True)
    else:
        slides, window = [False] * n, None

    h = W["model.embed_tokens.weight"][ids]
    if gemma:
        h = h * torch.tensor(float(np.float32(d ** 0.5)), dtype=DTYPE)   # normalizer is a float32 number in HF
    for l in range(n):
        p = f"model.layers.{l}."
        x = rms(h, W[p + "input_layernorm.weight"], eps, offset)
        if mt == "phi3":
            qkv = lin(x, W, p + "self_attn.qkv_proj")
            q, k, v = qkv.split([nh * dh, nkv * dh, nkv * dh], dim=-1)
        else:
            bias = mt == "qwen2" or (mt in ("llama", "gemma", "gemma2") and cfg.get("attention_bias", False))
            q = lin(x, W, p + "self_attn.q_proj", bias)
            k = lin(x, W, p + "self_attn.k_proj", bias)
            v = lin(x, W, p + "self_attn.v_proj", bias)
        q = rope(q.view(b, t, nh, dh).transpose(1, 2), pos, freqs, amp)
        k = rope(k.view(b, t, nkv, dh).transpose(1, 2), pos, freqs, amp)
        v = v.view(b, t, nkv, dh).transpose(1, 2)
        z = attention(q, k, v, scale, softcap, window if slides[l] else None)
        out_bias = mt in ("llama", "gemma", "gemma2", "phi3") and cfg.get("attention_bias", False)
        a = lin(z.transpose(1, 2).reshape(b, t, nh * dh), W, p + "self_attn.o_proj", out_bias)
        if mt == "gemma2":
            a = rms(a, W[p + "post_attention_layernorm.weight"], eps, offset)
            h = h + a
            x = rms(h, W[p + "pre_feedforward_layernorm.weight"], eps, offset)
        else:
            h = h + a
            x = rms(h, W[p + "post_attention_layernorm.weight"], eps, offset)
        if mt == "phi3":
            gate, up = lin(x, W, p + "mlp.gate_up_proj").chunk(2, dim=-1)
        else:
            mb = mt == "llama" and cfg.get("mlp_bias", False)
            gate, up = lin(x, W, p + "mlp.gate_proj", mb), lin(x, W, p + "mlp.up_proj", mb)
        m = lin(act(fn, gate) * up, W, p + "mlp.down_proj", mt == "llama" and cfg.get("mlp_bias", False))
        if mt == "gemma2":
            m = rms(m, W[p + "post_feedforward_layernorm.weight"], eps, offset)
        h = h + m
    h = rms(h, W["model.norm.weight"], eps, offset)
    tied = gemma or cfg.get("tie_word_embeddings", False) or "lm_head.weight" not in W
    logits = h @ (W["model.embed_tokens.weight"] if tied else W["lm_head.weight"]).T
    cap = cfg.get("final_logit_softcapping") if mt == "gemma2" else None
    if cap is not None:
        logits = cap * torch.tanh(logits / cap)
    return logits


def gpt_neox(W, cfg, ids):
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    dh = d // nh
    eps = cfg.get("layer_norm_eps", 1e-5)
    theta = cfg.get("rotary_emb_base", cfg.get("rope_theta", 10000.0))
    rot = int(dh * cfg.get("rotary_pct", 0.25))
    b, t = ids.shape
    pos = torch.arange(t)
    freqs, amp = inv_freq(cfg, rot, theta, t, cfg.get("max_position_embeddings", 2048))
    fn = cfg.get("hidden_act", "gelu")
    h = W["gpt_neox.embed_in.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{l}."
        x = layer_norm(h, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], eps)
        qkv = lin(x, W, p + "attention.query_key_value").view(b, t, nh, 3 * dh)   # fused per head
        q, k, v = [y.transpose(1, 2) for y in qkv.split(dh, dim=-1)]
        q, k = rope(q, pos, freqs, amp), rope(k, pos, freqs, amp)
        z = attention(q, k, v, dh ** -0.5)
        a = lin(z.transpose(1, 2).reshape(b, t, d), W, p + "attention.dense")
        if cfg.get("use_parallel_residual", True):
            x2 = layer_norm(h, W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], eps)
            h = h + a + lin(act(fn, lin(x2, W, p + "mlp.dense_h_to_4h")), W, p + "mlp.dense_4h_to_h")
        else:
            h = h + a
            x2 = layer_norm(h, W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], eps)
            h = h + lin(act(fn, lin(x2, W, p + "mlp.dense_h_to_4h")), W, p + "mlp.dense_4h_to_h")
    h = layer_norm(h, W["gpt_neox.final_layer_norm.weight"], W["gpt_neox.final_layer_norm.bias"], eps)
    head = W["gpt_neox.embed_in.weight"] if cfg.get("tie_word_embeddings", False) else W["embed_out.weight"]
    return h @ head.T


def main():
    if len(sys.argv) == 2:
        with open(sys.argv[1]) as f:
            for job in json.load(f):
                run(job["model"], job["request"], job["out"])
    else:
        run(*sys.argv[1:4])


def run(model_dir, request_path, out_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(request_path) as f:
        request = json.load(f)
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    ids = torch.tensor(request["ids"], dtype=torch.int64)
    mt = cfg["model_type"]
    with torch.no_grad():
        if mt == "gpt_neox":
            logits = gpt_neox(W, cfg, ids)
        elif mt in ("llama", "mistral", "qwen2", "gemma", "gemma2", "phi3"):
            logits = llama_like(W, cfg, ids, mt)
        else:
            raise SystemExit(f"model_type {mt}")
    os.makedirs(out_dir, exist_ok=True)
    logits.numpy().astype("<f4").tofile(os.path.join(out_dir, "logits.f32"))
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump({"logits_shape": list(logits.shape)}, f)


if __name__ == "__main__":
    main()
