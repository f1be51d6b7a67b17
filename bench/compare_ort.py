"""vigil against ONNX Runtime on the same ONNX models, the way shared/specs/benchmarking.md asks: the two
engines alternate in fresh processes (A B A B ...) for several rounds, each process warms up then times
many runs; the table reports each engine's median p50 over rounds and the median of per-round ratios.
Also records how busy the machine was (other processes' CPU share from /proc/stat) during the run.

    python bench/compare_ort.py --vigil build/vigil --models DIR [--rounds 3] [--threads 1 2] [--markdown]
                                [--baseline OLD/vigil]
    python bench/compare_ort.py --vigil build/vigil --files A.onnx B.onnx [--runs 300 --warmup 20] ...

--baseline adds an older vigil binary to the same alternation (old, new, ORT per round), so a before/after
comparison comes from one run.

DIR holds actdet_frame_op13.onnx and actdet_temporal_op13.onnx (tools/models/export_all.py writes them).
--files times any ONNX models instead (each row named after its file), e.g. the other temporal heads that
bench/export_heads.py writes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_busy_fraction(seconds=0.5):
    def read():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def run_vigil(vigil, model, threads, runs, warmup):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([vigil, "bench", model, "--threads", str(threads), "--runs", str(runs), "--warmup", str(warmup),
                        "--json", f.name, "--top", "1"], check=True, stdout=subprocess.DEVNULL)
        return json.load(open(f.name))["latency_ms"]["p50"]


def run_ort(model, threads, runs, warmup):
    out = subprocess.run([sys.executable, os.path.join(HERE, "ort_time.py"), model, "--threads", str(threads),
                          "--runs", str(runs), "--warmup", str(warmup)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["latency_ms"]["p50"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--models", help="directory of the actdet_<variant>_op13.onnx models")
    ap.add_argument("--files", nargs="+", help="ONNX models to time instead of the actdet variants")
    ap.add_argument("--runs", type=int, help="timed runs per process (default: by variant)")
    ap.add_argument("--warmup", type=int, help="warm-up runs per process (default: by variant)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--variants", nargs="+", default=["frame", "temporal"])
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--baseline", help="an older vigil binary to time in the same rounds")
    a = ap.parse_args()
    if not a.models and not a.files:
        ap.error("give --models DIR or --files MODEL.onnx...")
    busy_before = cpu_busy_fraction()
    rows = []
    if a.files:
        jobs = [(os.path.splitext(os.path.basename(f))[0], f) for f in a.files]
    else:
        jobs = [(v, os.path.join(a.models, f"actdet_{v}_op13.onnx")) for v in a.variants]
    for variant, model in jobs:
        runs, warmup = (50, 5) if variant != "temporal" else (300, 20)
        if variant == "clip":
            runs, warmup = 5, 1
        runs, warmup = a.runs or runs, a.warmup or warmup
        for threads in a.threads:
            v, o, b = [], [], []
            for _ in range(a.rounds):
                if a.baseline:
                    b.append(run_vigil(a.baseline, model, threads, runs, warmup))
                v.append(run_vigil(a.vigil, model, threads, runs, warmup))
                o.append(run_ort(model, threads, runs, warmup))
            ratios = [x / y for x, y in zip(v, o)]
            rows.append({"variant": variant, "threads": threads, "vigil_ms": statistics.median(v),
                         "ort_ms": statistics.median(o), "ratio": statistics.median(ratios),
                         "vigil_rounds": v, "ort_rounds": o})
            if a.baseline:
                rows[-1].update({"baseline_ms": statistics.median(b), "baseline_rounds": b,
                                 "baseline_ratio": statistics.median([x / y for x, y in zip(b, o)])})
            print(json.dumps(rows[-1]), flush=True)
    busy_after = cpu_busy_fraction()
    print(json.dumps({"machine_busy_before": round(busy_before, 3), "machine_busy_after": round(busy_after, 3)}))
    if a.markdown and a.baseline:
        print("\n| variant | threads | baseline p50 ms | vigil p50 ms | ORT p50 ms | baseline / ORT | vigil / ORT |"
              "\n|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['variant']} | {r['threads']} | {r['baseline_ms']:.3f} | {r['vigil_ms']:.3f} | {r['ort_ms']:.3f} "
                  f"| {r['baseline_ratio']:.2f} | {r['ratio']:.2f} |")
    elif a.markdown:
        print("\n| variant | threads | vigil p50 ms | ORT p50 ms | vigil / ORT |\n|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['variant']} | {r['threads']} | {r['vigil_ms']:.3f} | {r['ort_ms']:.3f} | {r['ratio']:.2f} |")


if __name__ == "__main__":
    main()
