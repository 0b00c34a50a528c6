#!/usr/bin/env bash
# Run a command as if on another CPU, so that one machine can check that notebook outputs do not depend
# on the processor that made them (numpy's SIMD dispatch, OpenBLAS's kernels, PyTorch's and MKL's paths).
#   scripts/cpu_config.sh CONFIG COMMAND...      CONFIG: native | avx2 | sse4 | list
#   native  whatever this machine has
#   avx2    an AVX2 machine without AVX-512 (e.g. AMD Zen 2/3, Intel Haswell..Coffee Lake)
#   sse4    an older x86-64 (SSE4.2 only: Nehalem-class), numpy's baseline kernels
# Only x86-64 is emulated; on other processors every configuration is 'native'.
set -euo pipefail
config=${1:?usage: scripts/cpu_config.sh native|avx2|sse4|list COMMAND...}
shift
case "$config" in
  list) echo "native avx2 sse4"; exit 0 ;;
  native) ;;
  avx2)
    export NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
    export OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 ;;
  sse4)
    export NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
    export OPENBLAS_CORETYPE=Nehalem ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE ;;
  *) echo "cpu_config.sh: unknown configuration '$config' (expected native, avx2 or sse4)" >&2; exit 2 ;;
esac
if [ "$(uname -m)" != x86_64 ] && [ "$config" != native ]; then
  echo "cpu_config.sh: '$config' emulates an x86-64 CPU; this is $(uname -m), running natively" >&2
  unset NPY_DISABLE_CPU_FEATURES OPENBLAS_CORETYPE ATEN_CPU_CAPABILITY MKL_CBWR
fi
exec "$@"
