#!/usr/bin/env bash
# Installs everything vigil's build, tests and tools need on a fresh Debian 12 machine. Idempotent: a
# second run installs nothing. Python tools run in a venv that also sees Debian's torch and OpenCV.
set -euo pipefail

VENV="${VIGIL_VENV:-/opt/vigil-venv}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# libdnnl-dev: only for vigil-kbench's oneDNN column (-DVIGIL_BENCH_ONEDNN=ON, on in tools/test.sh so it cannot
# rot); python3-torch already pulls in the oneDNN library itself, this adds ~2 MB of headers.
# python3-torchvision: real architectures for the ONNX conformance (tools/onnx/check_torchvision.py).
APT_PACKAGES=(build-essential cmake libxsimd-dev libstb-dev doctest-dev libdnnl-dev
              python3 python3-venv python3-numpy python3-opencv python3-torch python3-torchvision
              libopenblas0-pthread)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# numpy stays below 2 in the venv: Debian's torch and OpenCV are built against numpy 1.x.
if ! "$VENV/bin/python" -c "import onnx, onnxruntime, numpy, torch, cv2" 2>/dev/null; then
  echo "setup: creating the Python venv $VENV"
  $SUDO /usr/bin/python3 -m venv --system-site-packages "$VENV"
  $SUDO "$VENV/bin/pip" install -q --disable-pip-version-check "numpy<2" onnx onnxruntime
fi
