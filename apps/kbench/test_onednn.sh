#!/bin/sh
# ctest checks of vigil-kbench's oneDNN column (registered only with -DVIGIL_BENCH_ONEDNN=ON):
#   test_onednn.sh rows KBENCH                  one repeat per cell, one thread, on a direct (L0), a Winograd
#                                               (L10) and the depthwise layer (A1): each gets a oneDNN row
#                                               whose output matches vigil's, and the frame summary a
#                                               oneDNN line
#   test_onednn.sh not-in-engine KBENCH LIBVIGIL VIGIL
#                                               the engine library and the vigil executable reference no
#                                               oneDNN symbol or library; KBENCH does (else the check
#                                               would prove nothing)
set -u
case "${1:-}" in
  rows)
    out=$("$2" --only conv --threads 1 --repeats 1 --layers L0,L10,A1) || { echo "vigil-kbench failed"; exit 1; }
    echo "$out"
    for layer in L0 L10 A1; do
      echo "$out" | grep -Eq "^conv +$layer +onednn " || { echo "FAIL: no oneDNN row for $layer"; exit 1; }
    done
    echo "$out" | grep -q '^  onednn ' || { echo "FAIL: no oneDNN frame total"; exit 1; }
    if echo "$out" | grep -q "differs"; then echo "FAIL: oneDNN computed another conv than vigil"; exit 1; fi
    echo "ok"
    ;;
  not-in-engine)
    ldd "$2" | grep -q libdnnl || { echo "FAIL: $2 does not link oneDNN"; exit 1; }
    # Symbol names only (the last field of nm's lines): the file names may contain "dnnl" themselves.
    for f in "$3" "$4"; do
      if nm "$f" 2>/dev/null | awk 'NF >= 2 { print $NF }' | grep -i dnnl; then
        echo "FAIL: oneDNN symbols in $f"
        exit 1
      fi
    done
    if ldd "$4" 2>&1 | grep -i libdnnl; then echo "FAIL: $4 links oneDNN"; exit 1; fi
    echo "ok"
    ;;
  *)
    echo "usage: test_onednn.sh rows KBENCH | not-in-engine KBENCH LIBVIGIL VIGIL" >&2
    exit 2
    ;;
esac
