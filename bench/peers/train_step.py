#!/usr/bin/python3
"""One training step (forward + cross-entropy + backward + AdamW.step) of a small GPT (gpt_model.py):
4 layers, d_model 256, 4 heads, d_mlp 1024, n_ctx = seq = 256, batch 8, tied unembedding, float32.
Usage: /usr/bin/python3 train_step.py --serve [--vocab 50257] [--threads 2] [--batch 8] [--seq 256]
AdamW(lr=3e-4, betas=(0.9,0.999), weight_decay=0.01, torch defaults otherwise); zero_grad(set_to_none=True).
Random token ids; target = next token of a random stream.
Serve mode (the bench interleaves us with it, repetition by repetition): prints one "# config" line,
then for each stdin line "N" runs N steps and prints their wall and process CPU seconds.
Sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS to --threads before importing torch (unless already set)."""
import os, sys, time, argparse

p = argparse.ArgumentParser()
p.add_argument("--vocab", type=int, default=50257)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=8)
p.add_argument("--seq", type=int, default=256)
p.add_argument("--serve", action="store_true", required=True)
a = p.parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
import torch.nn.functional as F
from gpt_model import GPT
from blas_info import blas_info
torch.set_num_threads(a.threads)

torch.manual_seed(0)
model = GPT(vocab=a.vocab, d=256, layers=4, heads=4, dm=1024, n_ctx=a.seq).train()
opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.999), weight_decay=0.01)
g = torch.Generator().manual_seed(1)
stream = torch.randint(0, a.vocab, (a.batch, a.seq + 1), generator=g)
x, y = stream[:, :-1].contiguous(), stream[:, 1:].contiguous()


def step():
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    loss = F.cross_entropy(logits.view(-1, a.vocab), y.view(-1))
    loss.backward()
    opt.step()
    return loss.item()


env = " ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE") if k in os.environ)
print(f"# torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), {env}, {blas_info()}", flush=True)
for line in sys.stdin:
    n = int(line)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        step()
    print(f"{time.perf_counter() - t0:.9f} {time.process_time() - c0:.9f}", flush=True)
