#!/usr/bin/env bash
# Records the traces of issues 22 (TP, PP, EP on 2 GPUs) and 24 (nsys with and without
# NVTX, Kineto with stacks, JAX named scopes). Run from the repository root on a 2-GPU
# machine with .gpu-rec/ holding tools/record/*.py and the unpacked libdw/libelf debs
# in .gpu-rec/x (see ../../../shared/tools/README.md). Writes one .tar.xz per group to $OUT.
set -uo pipefail
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
R=$PWD; W=/tmp/rec; rm -rf $W; mkdir -p $W/out; cd $W
cp $R/.gpu-rec/*.py .
nvidia-smi -L; nvidia-smi -q -x > out/h200-nvidia-smi-q.xml
python3 -c 'import torch, transformers, jax; print(torch.__version__, transformers.__version__, jax.__version__)'
TR="torchrun --nproc-per-node 2 --master-port 29511"
pack() { local name=$1; shift; (cd out && tar -cf - $* 2>/dev/null) | xz -T16 -6 > $OUT/$name.tar.xz; }  # globs expand inside out/
PHASE=${1:-all}   # kineto (1-3, 5), nsys (4), hooks (4b alone), compact (small fixtures of 1-3), ppwide (GPU-bound PP), or all
if [ $PHASE = kineto -o $PHASE = all ]; then
# 1. pipeline parallel, m=4 and m=8
for m in 4 8; do timeout 150 $TR record_pp.py out $m 2>&1 | grep -v Warning | tail -15; done
pack pp 'pp-*.json'
# 2. tensor parallel, Kineto
timeout 120 $TR record_tp.py out 2>&1 | grep -v Warning | tail -15
# 3. MoE expert parallel
timeout 120 $TR record_moe.py out 2>&1 | grep -v Warning | tail -15
pack tp-moe 'tp-rank*.json moe-*.json'
# 5. JAX named scopes (before nsys: cheap and independent)
timeout 120 python3 record_jax_scopes.py out 2>&1 | grep -v Warning | tail -12
pack jax 'jax-scopes'
fi
N=/opt/nvidia/nsight-compute/2025.3.1/host/target-linux-x64/nsys
LD=$R/.gpu-rec/x/usr/lib/x86_64-linux-gnu
PY=$(command -v python3); TRB=$(command -v torchrun)
E="env -i PATH=$(dirname $PY):/usr/bin:/bin HOME=$W LD_LIBRARY_PATH=$LD NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1"
if [ $PHASE = hooks ]; then
  timeout 150 $E $N profile -t cuda,nvtx -o nsys-l4-train-hooks -f true $PY record_l4.py hooks 2>&1 | grep -v '\[1/1\]' | tail -20
  LD_LIBRARY_PATH=$LD timeout 100 $N export --type sqlite -o out/nsys-l4-train-hooks.sqlite -f true nsys-l4-train-hooks.nsys-rep 2>&1 | tail -1
  pack nsys-hooks 'nsys-l4-train-hooks.sqlite'
fi
if [ $PHASE = compact ]; then   # fixture-size variants: 2 decoder/MoE layers, one profiled step
  for m in 4 8; do PP_LAYERS=2 PROFILE_ACTIVE=1 PP_TAG=-compact timeout 150 $TR record_pp.py out $m 2>&1 | grep -v Warning | tail -8; done
  MOE_LAYERS=2 PROFILE_ACTIVE=1 TAG=-compact timeout 120 $TR record_moe.py out 2>&1 | grep -v Warning | tail -8
  TP_LAYERS=2 PROFILE_ACTIVE=1 TAG=-compact timeout 120 $TR record_tp.py out 2>&1 | grep -v Warning | tail -8
  pack compact '*-compact-*.json'
fi
if [ $PHASE = ppwide ]; then   # GPU-bound pipeline: hidden 1024, micro-batch 8 x 4096 tokens
  for m in 4 8; do PP_WIDE=1 PP_MB=8 PP_SEQ=4096 PP_LAYERS=2 PROFILE_ACTIVE=1 PP_TAG=-wide timeout 200 $TR record_pp.py out $m 2>&1 | grep -v Warning | tail -8; done
  for m in 4 8; do PP_WIDE=1 PP_MB=8 PP_SEQ=4096 PP_TAG=-wide4 timeout 200 $TR record_pp.py out $m 2>&1 | grep -v Warning | tail -8; done
  pack ppwide 'pp-wide*.json'
fi
if [ $PHASE = nsys -o $PHASE = all ]; then
# 4. Nsight Systems, minimal environment (reports record the environment)
timeout 150 $E $N profile -t cuda -o nsys-l4-train-nonvtx -f true $PY record_l4.py plain 2>&1 | tail -4
timeout 150 $E $N profile -t cuda,nvtx -o nsys-l4-train-hooks -f true $PY record_l4.py hooks 2>&1 | tail -4
timeout 120 python3 record_l4.py kineto out 2>&1 | grep -v Warning | tail -5
timeout 150 $E NSYS=1 $N profile -t cuda,nvtx -o nsys-small-tp2 -f true $TRB --nproc-per-node 2 --master-port 29512 record_tp.py X 2>&1 | tail -4
for r in nsys-l4-train-nonvtx nsys-l4-train-hooks nsys-small-tp2; do
  LD_LIBRARY_PATH=$LD timeout 100 $N export --type sqlite -o out/$r.sqlite -f true $r.nsys-rep 2>&1 | tail -1
done
pack nsys-l4 'nsys-l4-*.sqlite l4-train-kineto-stack.json'
pack nsys-tp 'nsys-small-tp2.sqlite'
fi
pack hw 'h200-nvidia-smi-q.xml'
ls -la out $OUT
