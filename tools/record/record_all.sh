#!/usr/bin/env bash
# Records llmprof's small fixtures on a 2-GPU machine (PyTorch, transformers, Nsight).
# Run from the repository root with .gpu/ holding ../shared/tools/*.py and the
# unpacked libdw/libelf debs (see ../shared/tools/README.md). Writes $OUT/fixtures.tar.xz.
set -uo pipefail
R=$PWD
W=/tmp/rec && rm -rf $W && mkdir -p $W/out && cd $W
cp $R/.gpu/*.py $R/tools/record/*.py .
nvidia-smi -L
# 1. single-GPU PyTorch Profiler traces of the tiny model
python3 record_tiny.py out 2>&1 | grep -v Warning | tail -20
# 2. DDP / FSDP on 2 GPUs with 2 decoder layers of the 1.1B shape
for mode in ddp fsdp; do
  torchrun --nproc-per-node 2 gen_dist_traces.py dist-$mode $mode 2 2>&1 | tail -3
  for r in 0 1; do mv dist-$mode/$mode-rank$r.json out/l2-$mode-2gpu-rank$r.json; done
done
STRAGGLER_RANK=1 STRAGGLER_MS=30 torchrun --nproc-per-node 2 gen_dist_traces.py dist-s ddp 2 2>&1 | tail -3
for r in 0 1; do mv dist-s/ddp-rank$r.json out/l2-ddp-straggler-2gpu-rank$r.json; done
# 3. Nsight Systems, minimal environment (reports record the environment)
N=/opt/nvidia/nsight-compute/2025.3.1/host/target-linux-x64/nsys
export LD_LIBRARY_PATH=$R/.gpu/x/usr/lib/x86_64-linux-gnu
PY=$(command -v python3); TR=$(command -v torchrun)
env -i PATH=$(dirname $PY):/usr/bin:/bin HOME=$W LD_LIBRARY_PATH=$LD_LIBRARY_PATH $N profile -t cuda,nvtx,cublas -o nsys-tiny-train -f true $PY nsys_tiny.py 2>&1 | tail -3
env -i PATH=$(dirname $PY):/usr/bin:/bin HOME=$W LD_LIBRARY_PATH=$LD_LIBRARY_PATH NSYS=1 $N profile -t cuda,nvtx -o nsys-l2-ddp-2gpu -f true $TR --nproc-per-node 2 gen_dist_traces.py X ddp 2 2>&1 | tail -3
for t in sqlite json arrow; do $N export --type $t -o out/nsys-tiny-train.$t -f true nsys-tiny-train.nsys-rep 2>&1 | tail -1; done
$N export --type parquetdir -o out/nsys-tiny-train.parquetdir -f true nsys-tiny-train.nsys-rep 2>&1 | tail -1
$N export --type sqlite -o out/nsys-l2-ddp-2gpu.sqlite -f true nsys-l2-ddp-2gpu.nsys-rep 2>&1 | tail -1
cp nsys-tiny-train.nsys-rep out/ 2>/dev/null
ls -la out out/*.parquetdir 2>/dev/null
tar -C out -cf - . | xz -T16 -6 > $OUT/fixtures.tar.xz
ls -la $OUT
