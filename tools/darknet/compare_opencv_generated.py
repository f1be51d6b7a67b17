#!/usr/bin/env python3
"""vigil's darknet importer against OpenCV DNN on the YOLOv2 and classifier sections, with generated weights.

No YOLOv2 or darknet-classifier weights are available here, so the models are small but realistic cfgs of
vigil's own (tests/darknet/cfg/) with seeded random weights (random_weights.py: non-trivial batch-norm
statistics, a last layer scaled so that logits spread). Each model runs on every real image of
../shared/data/images, made into one float32 blob here (RGB, plain bilinear resize, /255) that goes to OpenCV
(cv2.dnn.readNetFromDarknet) and, as .npy, to vigil (tests/darknet/darknet_oracle_main.cpp, batch-norm
epsilon 1e-6 like OpenCV's). Checked:

  detectors ([region] head):
    1. the raw head (the linear conv before [region]) and every listed intermediate layer (e.g. the [reorg]
       output) within REL_TOL of OpenCV's, relative to the tensor's max |value|;
    2. the reference [region] decoder below agrees with OpenCV's own Region layer: boxes (cx, cy, w, h),
       objectness and the class scores OpenCV kept, within 1e-5;
    3. vigil's detections (YoloDetect, decode "region": score > 0.25, per-class NMS 0.45) equal the reference
       detections decoded from OpenCV's head: count, class at every rank, boxes within 1 px;
  detectors with [yolo] heads (e.g. new_coords=1, DIoU-NMS): compare_opencv.py's checks (raw heads, the
    reference decoder against OpenCV's yolo layer, identical detections), with REL_TOL for the heads;
  classifiers ([connected] / [avgpool], [softmax], [cost]):
    1. the logits (the last [connected] or conv) and the [softmax] output within REL_TOL of OpenCV's;
    2. the same top-1 class.

Exits 1 on any failure, including a missing cv2 (never a skip). --markdown FILE also writes the table.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import cv2
except ImportError as e:  # the test must fail, not skip
    print(f"compare_opencv_generated: FAILED: cannot import numpy/cv2 ({e})", file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfg_text import read_cfg  # noqa: E402
from compare_opencv import compare_yolo_model, iou, make_blob, report, sample_images, sigmoid  # noqa: E402
from random_weights import generate, write_weights  # noqa: E402

REL_TOL = 2e-5
BOX_TOL_PX = 1.0
SCORE_THRESHOLD = 0.25
NMS_THRESHOLD = 0.45

# name: (cfg in tests/darknet/cfg, seed, head gain, [(vigil value, OpenCV layer) compared besides the head /
# logits][, objectness bias]). The gains make the logits spread so that detections exist and softmax outputs
# are not uniform; the objectness bias (random_weights.py) makes [yolo] candidates a minority, as in a trained
# detector.
MODELS = {
    "yolov2-tiny-voc-small": ("yolov2-tiny-voc-small.cfg", 7, 8.0, []),
    "yolov2-reorg-small": ("yolov2-reorg-small.cfg", 8, 5.0, [("reorg_18", "reorg_18"), ("route_19", "concat_19")]),
    "classifier-small": ("classifier-small.cfg", 9, 6.0, [("connected_6", "leaky_7")]),
    "darknet19-small": ("darknet19-small.cfg", 10, 6.0, [("avgpool_9", "avgpool_9")]),
    "yolov4-csp-small": ("yolov4-csp-small.cfg", 11, 8.0, [], -3.2),
}


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def region_head(sections):
    """The [region] layer: its index, classes and anchors (grid cells)."""
    layers = sections[1:]
    found = [(i, kv) for i, (name, kv) in enumerate(layers) if name == "region"]
    if len(found) != 1:
        return None
    i, kv = found[0]
    anchors = [float(x) for x in kv["anchors"].split(",")]
    return {"layer": i, "classes": int(kv["classes"]), "anchors": list(zip(anchors[0::2], anchors[1::2]))}


def decode_region(raw, head):
    """darknet's get_region_detections in float64, rows in OpenCV's (row, col, anchor) order: boxes (cx, cy,
    w, h) normalised to the input, objectness, class probabilities (softmax) times objectness."""
    a_count, c = len(head["anchors"]), head["classes"]
    _, channels, h, w = raw.shape
    assert channels == a_count * (5 + c), (channels, a_count, c)
    t = raw.reshape(a_count, 5 + c, h, w).astype(np.float64)
    gx, gy = np.arange(w)[None, :], np.arange(h)[:, None]
    per_anchor = []
    for a, (aw, ah) in enumerate(head["anchors"]):
        cx = (gx + sigmoid(t[a, 0])) / w
        cy = (gy + sigmoid(t[a, 1])) / h
        bw = np.exp(t[a, 2]) * aw / w
        bh = np.exp(t[a, 3]) * ah / h
        obj = sigmoid(t[a, 4])
        probs = softmax(t[a, 5:].transpose(1, 2, 0)) * obj[..., None]
        per_anchor.append(np.concatenate([np.stack([cx, cy, bw, bh, obj], -1), probs], -1))
    rows = np.stack(per_anchor, 2).reshape(-1, 5 + c)
    return rows[:, :4], rows[:, 4], rows[:, 5:]


def reference_detections(raw, head, net_w, net_h):
    boxes, _, scores = decode_region(raw, head)
    cands = []
    for i, k in zip(*np.nonzero(scores > SCORE_THRESHOLD)):
        cx, cy, bw, bh = boxes[i]
        cands.append((float((cx - bw / 2) * net_w), float((cy - bh / 2) * net_h), float((cx + bw / 2) * net_w),
                      float((cy + bh / 2) * net_h), float(scores[i, k]), int(k)))
    kept = []
    for k in sorted({c[5] for c in cands}):
        chosen = []
        for c in sorted((c for c in cands if c[5] == k), key=lambda c: -c[4]):
            if all(iou(c, d) <= NMS_THRESHOLD for d in chosen):
                chosen.append(c)
        kept += chosen
    return sorted(kept, key=lambda c: -c[4])


def rel_error(mine, ref):
    mine, ref = np.asarray(mine, np.float64).reshape(-1), np.asarray(ref, np.float64).reshape(-1)
    if mine.shape != ref.shape:
        return float("inf")
    return float(np.abs(mine - ref).max() / max(np.abs(ref).max(), 1e-30))


def last_weighted_layer(sections):
    layers = sections[1:]
    i = max(i for i, (name, _) in enumerate(layers) if name in ("convolutional", "connected"))
    return i, ("connected" if layers[i][0] == "connected" else "conv")


def compare_model(key, cfg_dir, images, oracle, work, log):
    cfg_name, seed, gain, extra = MODELS[key][:4]
    objectness_bias = MODELS[key][4] if len(MODELS[key]) > 4 else 0.0
    cfg = os.path.join(cfg_dir, cfg_name)
    sections = read_cfg(cfg)
    if any(name == "yolo" for name, _ in sections):  # [yolo] heads: compare_opencv.py's comparison
        model_dir = os.path.join(work, key)
        os.makedirs(model_dir, exist_ok=True)
        weights = os.path.join(model_dir, key + ".weights")
        write_weights(weights, generate(cfg, seed, gain, objectness_bias))
        return compare_yolo_model(key, cfg, weights, images, oracle, work, log, REL_TOL)
    net_w, net_h = int(sections[0][1]["width"]), int(sections[0][1]["height"])
    head = region_head(sections)
    model_dir = os.path.join(work, key)
    os.makedirs(model_dir, exist_ok=True)
    weights = os.path.join(model_dir, key + ".weights")
    write_weights(weights, generate(cfg, seed, gain))

    net = cv2.dnn.readNetFromDarknet(cfg, weights)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)

    last, kind = last_weighted_layer(sections)
    main_vigil = f"{kind}_{last}"
    main_cv = f"fullyConnected_{last}" if kind == "connected" else f"conv_{last}"
    if head is not None and last != head["layer"] - 1:
        raise RuntimeError(f"{key}: the [region] input is not the last conv")
    pairs = [(main_vigil, main_cv)] + extra
    softmax_layer = None
    if head is None:
        softmax_layer = next(i for i, (name, _) in enumerate(sections[1:]) if name == "softmax")
        pairs.append((f"softmax_{softmax_layer}", f"softmax_{softmax_layer}"))

    blobs = {}
    for img in images:
        stem = os.path.splitext(os.path.basename(img))[0]
        blobs[stem] = make_blob(img, net_w, net_h)
        np.save(os.path.join(model_dir, stem + ".npy"), blobs[stem])
    out_dir = os.path.join(model_dir, "vigil")
    cmd = [oracle, cfg, weights, out_dir, "--bn-epsilon", "1e-6"]
    graph_outputs = [main_vigil] if head is not None else [f"softmax_{softmax_layer}"]
    for v, _ in pairs:
        if v not in graph_outputs:
            cmd += ["--extra-output", v]
    cmd += [os.path.join(model_dir, s + ".npy") for s in blobs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        log.append(f"| {key} | all | vigil failed: {proc.stderr.strip()} | | FAIL |")
        return [False] * len(blobs), [f"{key}: vigil failed: {proc.stderr.strip()}"]
    with open(os.path.join(out_dir, "outputs.txt")) as f:
        outputs = f.read().split()
    want = [main_vigil, "detections", "detection_count"] if head is not None else [f"softmax_{softmax_layer}"]
    if outputs[:len(want)] != want:
        log.append(f"| {key} | all | unexpected vigil outputs {outputs} (want {want} first) | | FAIL |")
        return [False] * len(blobs), [f"{key}: unexpected outputs {outputs}"]

    results, errors = [], []
    detections_seen = 0
    cv_names = [c for _, c in pairs] + (["detection_out"] if head is not None else [])
    for stem, blob in blobs.items():
        problems = []
        net.setInput(blob)
        cv_outs = dict(zip(cv_names, net.forward(cv_names)))
        rels = []
        for v, c in pairs:
            rel = rel_error(np.load(os.path.join(out_dir, stem, v + ".npy")), cv_outs[c])
            rels.append(rel)
            if not rel <= REL_TOL:
                problems.append(f"{v} vs OpenCV {c}: max relative error {rel:.3g} > {REL_TOL}")
        spread = float(np.abs(cv_outs[main_cv]).max())
        if head is not None:
            raw = cv_outs[main_cv]
            boxes, obj, scores = decode_region(raw, head)
            cv_rows = cv_outs["detection_out"]
            d_box = np.abs(boxes - cv_rows[:, :4]).max()
            d_obj = np.abs(obj - cv_rows[:, 4]).max()
            nz = cv_rows[:, 5:] > 0
            d_cls = np.abs(scores[nz] - cv_rows[:, 5:][nz]).max() if nz.any() else 0.0
            if not (d_box < 1e-5 and d_obj < 1e-5 and d_cls < 1e-5):
                problems.append(f"reference decoder vs OpenCV Region: box {d_box:.2g}, obj {d_obj:.2g}, "
                                f"score {d_cls:.2g}")
            ref = reference_detections(raw, head, net_w, net_h)
            table = np.load(os.path.join(out_dir, stem, "detections.npy"))
            count = int(np.load(os.path.join(out_dir, stem, "detection_count.npy"))[0])
            mine = [tuple(float(x) for x in table[i]) for i in range(count)]
            max_box = 0.0
            if len(mine) != len(ref):
                problems.append(f"{len(mine)} detections, reference {len(ref)}")
            for rank, (m, r) in enumerate(zip(mine, ref)):
                box = max(abs(m[j] - r[j]) for j in range(4))
                max_box = max(max_box, box)
                if int(m[5]) != r[5] or box > BOX_TOL_PX or abs(m[4] - r[4]) > 1e-4:
                    problems.append(f"rank {rank}: vigil class {int(m[5])} score {m[4]:.4f} box {m[:4]} vs "
                                    f"reference class {r[5]} score {r[4]:.4f} box {r[:4]}")
            detections_seen += len(mine)
            summary = f"{len(mine)} detections ({','.join(str(int(m[5])) for m in mine)}), max box diff {max_box:.2g} px"
        else:
            mine_p = np.load(os.path.join(out_dir, stem, f"softmax_{softmax_layer}.npy")).reshape(-1)
            ref_p = cv_outs[f"softmax_{softmax_layer}"].reshape(-1)
            if int(mine_p.argmax()) != int(ref_p.argmax()):
                problems.append(f"top-1 class {int(mine_p.argmax())}, OpenCV {int(ref_p.argmax())}")
            summary = f"top-1 {int(mine_p.argmax())} (p = {mine_p.max():.3f})"
        ok = not problems
        log.append(f"| {key} | {stem} | {' / '.join(f'{r:.1e}' for r in rels)} (max abs {spread:.2g}) | {summary} | "
                   f"{'ok' if ok else 'FAIL'} |")
        errors.extend(f"{key}/{stem}: {p}" for p in problems)
        results.append(ok)
    if head is not None and detections_seen == 0:  # the detection comparison would be vacuous
        errors.append(f"{key}: no image gave any detection; raise the head gain")
        results.append(False)
    return results, errors


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle", required=True, help="the darknet_oracle binary (tests/darknet)")
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data"))
    ap.add_argument("--cfg-dir", default=os.path.join(here, "..", "..", "tests", "darknet", "cfg"))
    ap.add_argument("--model", action="append", choices=sorted(MODELS), help="default: all")
    ap.add_argument("--work", help="scratch directory (default: a temporary one)")
    ap.add_argument("--markdown", help="also write the summary table here")
    args = ap.parse_args()

    images = sample_images(args.data)
    if not images:
        print(f"compare_opencv_generated: FAILED: no images in {os.path.join(args.data, 'images')}", file=sys.stderr)
        return 1
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}; tolerances: {REL_TOL} relative, boxes {BOX_TOL_PX} px")
    log = ["| model | image | max rel. error (main, extra...) | result | |", "|---|---|---|---|---|"]
    results, errors = [], []
    with tempfile.TemporaryDirectory(prefix="vigil_darknet_gen_") as tmp:
        work = args.work or tmp
        for key in args.model or sorted(MODELS):
            r, e = compare_model(key, args.cfg_dir, images, args.oracle, work, log)
            results += r
            errors += e
    return report(log, errors, results, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
