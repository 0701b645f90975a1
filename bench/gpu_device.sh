#!/usr/bin/env bash
# The GPU measurements in one run, for a machine lent with a GPU (docs/gpu.md): installs fastw2v,
# lists the devices, runs the CUDA tests on the real device, then bench.gpu_measure on the real
# English corpus. Expects, beside the working tree (carried, never committed):
#   bench/.data/english.txt.gz   gzip -c DIR/english.txt (../shared/tools/build_corpus.sh DIR)
#   bench/.data/eval/            questions-words.txt, wordsim353.tsv, simlex999.txt (gensim's test data)
# Writes everything under $OUT (default /tmp/fastw2v-gpu). About 7 minutes on an H200.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/fastw2v-gpu}
mkdir -p "$OUT"
python3 -m pip install --quiet --no-deps --no-build-isolation -e . > "$OUT/install.txt" 2>&1
python3 -m fastw2v info --devices 2>&1 | tee "$OUT/devices.txt"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
FASTW2V_TEST_GPU=1 timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py > "$OUT/test_cuda.txt" 2>&1
echo "tests/test_cuda.py on the GPU: exit $?" | tee -a "$OUT/test_cuda.txt"
tail -3 "$OUT/test_cuda.txt"
gunzip -c bench/.data/english.txt.gz > /tmp/english.txt
FASTW2V_EVAL_DIR=bench/.data/eval timeout 330 python3 -m bench.gpu_measure /tmp/english.txt --out "$OUT" \
  --budget 270 2>&1 | tail -40
cat "$OUT/gpu.md"
