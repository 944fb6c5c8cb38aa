#!/usr/bin/python3
"""GPT-2-small-architecture forward pass in plain PyTorch (gpt_model.py; random weights std 0.02), float32, no_grad.
12 layers, d_model 768, 12 heads, d_mlp 3072, vocab 50257, n_ctx 1024, pre-LN, GELU(tanh), tied unembedding.
Usage: /usr/bin/python3 gpt2_forward.py --serve [--threads 2]
Serve mode (the bench interleaves us with it, repetition by repetition): prints one "# config" line,
then for each stdin line "BxT MODE" runs one forward pass of that shape and prints its wall and process CPU seconds.
  mode none : return logits only
  mode ref  : also return the 12 MLP post-GELU activations (references kept, no copy)
Sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS to --threads before importing torch (unless already set
in the environment), then torch.set_num_threads(--threads)."""
import os, sys, time, argparse

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--serve", action="store_true", required=True)
a = p.parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
from gpt_model import GPT
from blas_info import blas_info
torch.set_num_threads(a.threads)

L, DM = 12, 3072
torch.manual_seed(0)
model = GPT(vocab=50257, d=768, layers=L, heads=12, dm=DM, n_ctx=1024).eval()
env = " ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE") if k in os.environ)
print(f"# torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), {env}, {blas_info()}", flush=True)
inputs = {}
with torch.no_grad():
    for line in sys.stdin:
        shape, mode = line.split()
        if shape not in inputs:
            B, T = map(int, shape.split("x"))
            inputs[shape] = torch.randint(0, 50257, (B, T), generator=torch.Generator().manual_seed(1))
        t0, c0 = time.perf_counter(), time.process_time(); out = model(inputs[shape], mode); seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        del out
        print(f"{seconds:.9f} {cpu:.9f}", flush=True)
