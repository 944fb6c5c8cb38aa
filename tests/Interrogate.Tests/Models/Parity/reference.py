#!/usr/bin/env python3
"""PyTorch reference for Interrogate's GPT-2 and Llama forward passes (parity tests).

Usage: reference.py MODEL_DIR REQUEST_JSON OUT_DIR

MODEL_DIR holds config.json and model.safetensors (Hugging Face layout). REQUEST_JSON is
{"ids": [[...], ...], "hook": "blocks.0.mlp.hook_post"}. Writes to OUT_DIR:
  logits.f32  raw little-endian float32 logits [B, T, V]
  grad.f32    gradient of the mean next-token cross-entropy w.r.t. the hook's activation
  meta.json   {"logits_shape": [...], "grad_shape": [...]}

Needs only torch and numpy (no transformers, no safetensors package). The forward passes follow
transformers' modeling_gpt2.py and modeling_llama.py (eager attention) step by step, in float64 so
the oracle's own rounding is negligible. Hook names and shapes follow TransformerLens.
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
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[base + begin:base + end]
        dtype = info["dtype"]
        if dtype == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F64":
            arr = np.frombuffer(raw, dtype="<f8")
        elif dtype == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name} has unsupported dtype {dtype}")
        tensors[name] = torch.from_numpy(arr.astype(np.float64).reshape(info["shape"]).copy())
    return tensors


class Hooks:
    """Detaches the requested hook point into a leaf so its gradient can be read after backward."""

    def __init__(self, target):
        self.target = target
        self.leaf = None

    def __call__(self, name, t):
        if name != self.target:
            return t
        self.leaf = t.detach().clone().requires_grad_(True)
        return self.leaf


def act(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "gelu":
        return F.gelu(x)
    if name == "relu":
        return F.relu(x)
    if name in ("silu", "swish"):
        return F.silu(x)
    if name == "tanh":
        return torch.tanh(x)
    raise SystemExit(f"unknown activation {name}")


def causal_softmax(scores):
    # scores [B, H, T, T]; masked with finfo.min as transformers does.
    t = scores.shape[-1]
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    scores = torch.where(mask, scores, torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype))
    return F.softmax(scores, dim=-1)


def conv1d(x, w, b):
    # transformers' Conv1D: w [in, out]
    shape = x.shape[:-1] + (w.shape[1],)
    return torch.addmm(b, x.reshape(-1, x.shape[-1]), w).view(shape)


def gpt2(W, cfg, ids, hk):
    p = "transformer." if "transformer.wte.weight" in W else ""
    d, nh = cfg["n_embd"], cfg["n_head"]
    dh = d // nh
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    fn = cfg.get("activation_function", "gelu_new")
    b, t = ids.shape
    pos = torch.arange(t)[None].expand(b, t)
    h = hk("hook_embed", W[p + "wte.weight"][ids]) + hk("hook_pos_embed", W[p + "wpe.weight"][pos])
    for l in range(cfg["n_layer"]):
        q_, n_ = f"blocks.{l}.", f"{p}h.{l}."
        h = hk(q_ + "hook_resid_pre", h)
        x = hk(q_ + "ln1.hook_normalized", F.layer_norm(h, (d,), W[n_ + "ln_1.weight"], W[n_ + "ln_1.bias"], eps))
        qkv = conv1d(x, W[n_ + "attn.c_attn.weight"], W[n_ + "attn.c_attn.bias"])
        q, k, v = qkv.split(d, dim=2)
        q = hk(q_ + "attn.hook_q", q.reshape(b, t, nh, dh)).transpose(1, 2)
        k = hk(q_ + "attn.hook_k", k.reshape(b, t, nh, dh)).transpose(1, 2)
        v = hk(q_ + "attn.hook_v", v.reshape(b, t, nh, dh)).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.size(-1) ** 0.5, dtype=DTYPE)
        pattern = hk(q_ + "attn.hook_pattern", causal_softmax(scores))
        z = hk(q_ + "attn.hook_z", torch.matmul(pattern, v).transpose(1, 2))
        attn_out = conv1d(z.reshape(b, t, d), W[n_ + "attn.c_proj.weight"], W[n_ + "attn.c_proj.bias"])
        h = hk(q_ + "hook_resid_mid", h + hk(q_ + "hook_attn_out", attn_out))
        x = hk(q_ + "ln2.hook_normalized", F.layer_norm(h, (d,), W[n_ + "ln_2.weight"], W[n_ + "ln_2.bias"], eps))
        pre = hk(q_ + "mlp.hook_pre", conv1d(x, W[n_ + "mlp.c_fc.weight"], W[n_ + "mlp.c_fc.bias"]))
        post = hk(q_ + "mlp.hook_post", act(fn, pre))
        mlp_out = hk(q_ + "hook_mlp_out", conv1d(post, W[n_ + "mlp.c_proj.weight"], W[n_ + "mlp.c_proj.bias"]))
        h = hk(q_ + "hook_resid_post", h + mlp_out)
    h = hk("ln_final.hook_normalized", F.layer_norm(h, (d,), W[p + "ln_f.weight"], W[p + "ln_f.bias"], eps))
    head = W.get("lm_head.weight", W[p + "wte.weight"])
    return h @ head.T


def rms_norm(x, w, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def linear(x, W, name):
    y = x @ W[name + ".weight"].T
    return y + W[name + ".bias"] if name + ".bias" in W else y


def llama(W, cfg, ids, hk):
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    dh = cfg.get("head_dim") or d // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    fn = cfg.get("hidden_act", "silu")
    if cfg.get("rope_scaling") is not None:
        raise SystemExit("rope_scaling is not supported by the reference")
    b, t = ids.shape
    inv_freq = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=torch.int64).to(DTYPE) / dh))
    pos = torch.arange(t)[None].expand(b, t).to(DTYPE)
    freqs = pos[:, :, None] * inv_freq[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [B, 1, T, Dh]
    h = hk("hook_embed", W["model.embed_tokens.weight"][ids])
    for l in range(cfg["num_hidden_layers"]):
        q_, n_ = f"blocks.{l}.", f"model.layers.{l}."
        h = hk(q_ + "hook_resid_pre", h)
        x = hk(q_ + "ln1.hook_normalized", rms_norm(h, W[n_ + "input_layernorm.weight"], eps))
        q = hk(q_ + "attn.hook_q", linear(x, W, n_ + "self_attn.q_proj").view(b, t, nh, dh)).transpose(1, 2)
        k = hk(q_ + "attn.hook_k", linear(x, W, n_ + "self_attn.k_proj").view(b, t, nkv, dh)).transpose(1, 2)
        v = hk(q_ + "attn.hook_v", linear(x, W, n_ + "self_attn.v_proj").view(b, t, nkv, dh)).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        q = hk(q_ + "attn.hook_rot_q", q.transpose(1, 2)).transpose(1, 2)
        k = hk(q_ + "attn.hook_rot_k", k.transpose(1, 2)).transpose(1, 2)
        rep = nh // nkv
        k = k[:, :, None].expand(b, nkv, rep, t, dh).reshape(b, nh, t, dh)
        v = v[:, :, None].expand(b, nkv, rep, t, dh).reshape(b, nh, t, dh)
        scores = torch.matmul(q, k.transpose(2, 3)) * dh ** -0.5
        pattern = hk(q_ + "attn.hook_pattern", causal_softmax(scores))
        z = hk(q_ + "attn.hook_z", torch.matmul(pattern, v).transpose(1, 2))
        attn_out = hk(q_ + "hook_attn_out", linear(z.reshape(b, t, nh * dh), W, n_ + "self_attn.o_proj"))
        h = hk(q_ + "hook_resid_mid", h + attn_out)
        x = hk(q_ + "ln2.hook_normalized", rms_norm(h, W[n_ + "post_attention_layernorm.weight"], eps))
        gate = hk(q_ + "mlp.hook_pre", linear(x, W, n_ + "mlp.gate_proj"))
        up = hk(q_ + "mlp.hook_pre_linear", linear(x, W, n_ + "mlp.up_proj"))
        post = hk(q_ + "mlp.hook_post", act(fn, gate) * up)
        h = hk(q_ + "hook_resid_post", h + hk(q_ + "hook_mlp_out", linear(post, W, n_ + "mlp.down_proj")))
    h = hk("ln_final.hook_normalized", rms_norm(h, W["model.norm.weight"], eps))
    head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    return h @ head.T


def main():
    model_dir, request_path, out_dir = sys.argv[1:4]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(request_path) as f:
        request = json.load(f)
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    ids = torch.tensor(request["ids"], dtype=torch.int64)
    hk = Hooks(request["hook"])
    forward = {"gpt2": gpt2, "llama": llama}[cfg["model_type"]]
    logits = forward(W, cfg, ids, hk)
    if hk.leaf is None:
        raise SystemExit(f"hook {request['hook']} was never reached")
    v = logits.shape[-1]
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, v), ids[:, 1:].reshape(-1))
    loss.backward()
    os.makedirs(out_dir, exist_ok=True)
    logits.detach().numpy().astype("<f4").tofile(os.path.join(out_dir, "logits.f32"))
    hk.leaf.grad.numpy().astype("<f4").tofile(os.path.join(out_dir, "grad.f32"))
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump({"logits_shape": list(logits.shape), "grad_shape": list(hk.leaf.grad.shape), "loss": loss.item()}, f)


if __name__ == "__main__":
    main()
