"""Times one ONNX model with ONNX Runtime (CPU EP, all graph optimisations) in this process and prints a
JSON line with latency percentiles. Used by bench/compare_ort.py, which runs it in fresh processes.

    ort_time.py MODEL.onnx --threads N --runs R --warmup W
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(12345)
    feeds = {i.name: rng.random(i.shape, dtype=np.float32) for i in sess.get_inputs()}
    for _ in range(a.warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1000.0)
    p = np.percentile(times, [10, 50, 90, 99])
    print(json.dumps({"engine": "onnxruntime", "version": ort.__version__, "threads": a.threads,
                      "latency_ms": {"p10": p[0], "p50": p[1], "p90": p[2], "p99": p[3]}}))


if __name__ == "__main__":
    main()
