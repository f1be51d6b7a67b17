#!/usr/bin/env python3
"""vigil's darknet importer against OpenCV DNN (cv2.dnn.readNetFromDarknet) on real models and images.

For every model and image: the image is read, converted to RGB, resized to the cfg's width x height (plain
bilinear resize, no letterbox) and scaled by 1/255 ONCE here; the same float32 blob goes to OpenCV and, as
a .npy file, to vigil (tests/darknet/darknet_oracle_main.cpp, which imports with OpenCV's batch-norm
epsilon 1e-6). Checked:

  1. raw heads: each [yolo] layer's input (the last conv's raw output) within 1e-4 of OpenCV's, relative
     to the head's max |value|;
  2. the decoder used as reference here agrees with OpenCV's own [yolo] layer on boxes and objectness;
  3. detections: vigil's YoloDetect output (score > 0.25, per-class NMS 0.45: IoU, or darknet's DIoU for a
     cfg whose last layer has nms_kind=greedynms / diounms) equals the reference detections decoded from
     OpenCV's heads: same count, same class at every rank, boxes within 1 px (network-input pixels).

Exits 1 on any failure (including a missing cv2: that is a failure, never a skip). Prints a summary table;
--markdown FILE also writes it as Markdown.
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
    print(f"compare_opencv: FAILED: cannot import numpy/cv2 ({e}); install python3-opencv "
          f"(tools/setup.sh) or pass a Python that has it", file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfg_text import read_cfg  # noqa: E402

HEAD_REL_TOL = 1e-4
BOX_TOL_PX = 1.0
SCORE_THRESHOLD = 0.25
NMS_THRESHOLD = 0.45

MODELS = {
    "yolo-fastest": "yolo-fastest/yolo-fastest",
    "yolo-fastest-xl": "yolo-fastest/yolo-fastest-xl",
    "yolo-fastest-1.1": "yolo-fastest/yolo-fastest-1.1",
    "yolo-fastest-1.1-xl": "yolo-fastest/yolo-fastest-1.1-xl",
    "mobilenetv2-yolov3-nano": "mobilenet-yolo/MobileNetV2-YOLOv3-Nano-coco",
}


def yolo_heads(sections):
    """Per [yolo] layer: its darknet layer index, classes, the (w, h) anchors it uses, scale_x_y, new_coords,
    and the names of its input in vigil (conv_<i-1>) and in OpenCV (the conv, or its logistic layer)."""
    layers = sections[1:]  # [net] is not a layer
    heads = []
    for i, (name, kv) in enumerate(layers):
        if name != "yolo":
            continue
        anchors = [float(x) for x in kv["anchors"].split(",")]
        num = int(kv["num"])
        mask = [int(x) for x in kv["mask"].split(",")] if "mask" in kv else list(range(num))
        new_coords = int(kv.get("new_coords", "0")) == 1
        prev_name, prev = layers[i - 1]
        # new_coords heads read a logistic conv (OpenCV names its output logistic_<yolo index>), others a linear one.
        activation = "logistic" if new_coords else "linear"
        if prev_name != "convolutional" or prev.get("activation") != activation or prev.get("batch_normalize", "0") != "0":
            raise RuntimeError(f"[yolo] layer {i}: its input is not a {activation} conv without batch norm; "
                               "OpenCV's output of it cannot be named")
        heads.append({"layer": i, "classes": int(kv["classes"]), "scale": float(kv.get("scale_x_y", "1")),
                      "anchors": [(anchors[2 * m], anchors[2 * m + 1]) for m in mask], "new_coords": new_coords,
                      "vigil": f"conv_{i - 1}", "opencv": f"logistic_{i}" if new_coords else f"conv_{i - 1}"})
    return heads


def nms_setting(sections):
    """darknet's detector suppresses with the nms_kind of the network's last layer: ("iou", None) for
    do_nms_sort, ("diou", beta) for diounms_sort (greedynms: box_diou's fixed 0.6; diounms: beta_nms)."""
    name, kv = sections[-1]
    kind = kv.get("nms_kind", "default") if name == "yolo" else "default"
    if kind == "default":
        return "iou", None
    return "diou", (float(kv.get("beta_nms", "0.6")) if kind == "diounms" else 0.6)


def make_blob(image_path, width, height):
    bgr = cv2.imread(image_path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError(f"{image_path}: cannot read image")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    resized = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray((resized.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def decode_head(raw, head, net_w, net_h):
    """darknet's YOLO decode in float64 (forward_yolo_layer + get_yolo_box, with or without new_coords). Returns arrays over (row, col, anchor) in that order (OpenCV's):
    boxes [n, 4] as (cx, cy, w, h) normalised to the input size, objectness [n], class scores [n, C]."""
    a_count = len(head["anchors"])
    c = head["classes"]
    _, channels, h, w = raw.shape
    assert channels == a_count * (5 + c), (channels, a_count, c)
    t = raw.reshape(a_count, 5 + c, h, w).astype(np.float64)
    s = head["scale"]
    gx = np.arange(w)[None, :]
    gy = np.arange(h)[:, None]
    per_anchor = []
    for a, (aw, ah) in enumerate(head["anchors"]):
        if head.get("new_coords"):  # get_yolo_box with new_coords: values already through the logistic
            cx = (gx + t[a, 0] * s - (s - 1) / 2) / w
            cy = (gy + t[a, 1] * s - (s - 1) / 2) / h
            bw = t[a, 2] * t[a, 2] * 4 * aw / net_w
            bh = t[a, 3] * t[a, 3] * 4 * ah / net_h
            obj = t[a, 4]
            cls = t[a, 5:].transpose(1, 2, 0)
        else:
            cx = (gx + sigmoid(t[a, 0]) * s - (s - 1) / 2) / w
            cy = (gy + sigmoid(t[a, 1]) * s - (s - 1) / 2) / h
            bw = np.exp(t[a, 2]) * aw / net_w
            bh = np.exp(t[a, 3]) * ah / net_h
            obj = sigmoid(t[a, 4])
            cls = sigmoid(t[a, 5:]).transpose(1, 2, 0)  # h, w, C
        per_anchor.append(np.concatenate([np.stack([cx, cy, bw, bh, obj], -1), cls], -1))
    rows = np.stack(per_anchor, 2)  # h, w, anchors, 5 + C
    rows = rows.reshape(-1, 5 + c)
    return rows[:, :4], rows[:, 4], rows[:, 5:]


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def diou(a, b, net_w, net_h, beta):
    """darknet's box_diounms on (x1, y1, x2, y2) pixel boxes, in its relative coordinates: centres and sizes
    divided by the input size, IoU minus (squared centre distance / squared enclosing diagonal)^beta."""
    ax, ay, aw, ah = (a[0] + a[2]) / 2 / net_w, (a[1] + a[3]) / 2 / net_h, (a[2] - a[0]) / net_w, (a[3] - a[1]) / net_h
    bx, by, bw, bh = (b[0] + b[2]) / 2 / net_w, (b[1] + b[3]) / 2 / net_h, (b[2] - b[0]) / net_w, (b[3] - b[1]) / net_h
    top, bot = min(ay - ah / 2, by - bh / 2), max(ay + ah / 2, by + bh / 2)
    left, right = min(ax - aw / 2, bx - bw / 2), max(ax + aw / 2, bx + bw / 2)
    c = (right - left) ** 2 + (bot - top) ** 2
    overlap = iou(a, b)
    if c == 0:
        return overlap
    return overlap - (((ax - bx) ** 2 + (ay - by) ** 2) / c) ** beta


def suppress(cands, net_w, net_h, nms=("iou", None)):
    """Per class, best first: a candidate is kept unless a kept one overlaps it by more than NMS_THRESHOLD
    (IoU, or DIoU with nms = ("diou", beta)). Returns the kept ones sorted by score."""
    kind, beta = nms
    kept = []
    for k in sorted({c[5] for c in cands}):
        chosen = []
        for c in sorted((c for c in cands if c[5] == k), key=lambda c: -c[4]):
            overlap = (lambda d: diou(d, c, net_w, net_h, beta)) if kind == "diou" else (lambda d: iou(d, c))
            if all(overlap(d) <= NMS_THRESHOLD for d in chosen):
                chosen.append(c)
        kept += chosen
    return sorted(kept, key=lambda c: -c[4])


def reference_detections(raw_heads, heads, net_w, net_h, nms=("iou", None)):
    """Candidates with obj*cls > threshold, greedy NMS per class (IoU or DIoU), sorted by score:
    [(x1,y1,x2,y2,score,cls)]."""
    cands = []
    for raw, head in zip(raw_heads, heads):
        boxes, obj, cls = decode_head(raw, head, net_w, net_h)
        scores = obj[:, None] * cls
        for i, k in zip(*np.nonzero(scores > SCORE_THRESHOLD)):
            cx, cy, bw, bh = boxes[i]
            cands.append((float((cx - bw / 2) * net_w), float((cy - bh / 2) * net_h), float((cx + bw / 2) * net_w),
                          float((cy + bh / 2) * net_h), float(scores[i, k]), int(k)))
    return suppress(cands, net_w, net_h, nms)


def compare_model(key, data_dir, images, oracle, work, log):
    base = os.path.join(data_dir, MODELS[key])
    return compare_yolo_model(key, base + ".cfg", base + ".weights", images, oracle, work, log, HEAD_REL_TOL)


def compare_yolo_model(key, cfg, weights, images, oracle, work, log, head_rel_tol):
    """One [yolo] model on every image; returns ([ok per image], [problems])."""
    sections = read_cfg(cfg)
    net_w, net_h = int(sections[0][1]["width"]), int(sections[0][1]["height"])
    heads = yolo_heads(sections)
    nms = nms_setting(sections)
    head_names = [h["vigil"] for h in heads]
    cv_head_names = [h["opencv"] for h in heads]

    net = cv2.dnn.readNetFromDarknet(cfg, weights)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)

    model_dir = os.path.join(work, key)
    os.makedirs(model_dir, exist_ok=True)
    blobs = {}
    for img in images:
        stem = os.path.splitext(os.path.basename(img))[0]
        blobs[stem] = make_blob(img, net_w, net_h)
        np.save(os.path.join(model_dir, stem + ".npy"), blobs[stem])
    out_dir = os.path.join(model_dir, "vigil")
    cmd = [oracle, cfg, weights, out_dir, "--bn-epsilon", "1e-6"] + [os.path.join(model_dir, s + ".npy") for s in blobs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        log.append(f"| {key} | all | vigil failed: {proc.stderr.strip()} | | | FAIL |")
        return [False] * len(blobs), []
    with open(os.path.join(out_dir, "outputs.txt")) as f:
        outputs = f.read().split()
    if outputs[:len(heads)] != head_names or outputs[len(heads):] != ["detections", "detection_count"]:
        log.append(f"| {key} | all | unexpected vigil outputs {outputs} (want {head_names} + detections) | | | FAIL |")
        return [False] * len(blobs), []

    results, errors = [], []
    detections_seen = 0
    for stem, blob in blobs.items():
        problems = []
        net.setInput(blob)
        cv_outs = net.forward(cv_head_names + [f"yolo_{h['layer']}" for h in heads])
        cv_heads, cv_yolo = cv_outs[:len(heads)], cv_outs[len(heads):]
        rels = []
        for name, ref in zip(head_names, cv_heads):
            mine = np.load(os.path.join(out_dir, stem, name + ".npy"))
            if mine.shape != ref.shape:
                problems.append(f"{name}: shape {mine.shape} vs OpenCV {ref.shape}")
                rels.append(float("inf"))
                continue
            rel = float(np.abs(mine.astype(np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))
            rels.append(rel)
            if not rel <= head_rel_tol:
                problems.append(f"{name}: max relative error {rel:.3g} > {head_rel_tol}")

        # The reference decoder agrees with OpenCV's [yolo] layer (boxes and objectness; OpenCV's class
        # scores are zeroed below its threshold and by its own NMS, so only the non-zero ones are compared).
        for ref_raw, cv_rows, head in zip(cv_heads, cv_yolo, heads):
            boxes, obj, cls = decode_head(ref_raw, head, net_w, net_h)
            d_box = np.abs(boxes - cv_rows[:, :4]).max()
            # OpenCV 4.6's new_coords branch never writes the objectness column (it holds whatever the buffer
            # held): the objectness is checked through the scores (objectness * class) instead.
            d_obj = 0.0 if head["new_coords"] else np.abs(obj - cv_rows[:, 4]).max()
            nz = cv_rows[:, 5:] > 0
            d_cls = np.abs((obj[:, None] * cls)[nz] - cv_rows[:, 5:][nz]).max() if nz.any() else 0.0
            if not (d_box < 1e-5 and d_obj < 1e-5 and d_cls < 1e-5):
                problems.append(f"reference decoder vs OpenCV yolo_{head['layer']}: box {d_box:.2g}, obj {d_obj:.2g}, "
                                f"score {d_cls:.2g}")

        ref_dets = reference_detections(cv_heads, heads, net_w, net_h, nms)
        table = np.load(os.path.join(out_dir, stem, "detections.npy"))
        count = int(np.load(os.path.join(out_dir, stem, "detection_count.npy"))[0])
        mine = [tuple(float(x) for x in table[i]) for i in range(count)]
        max_box = 0.0
        if len(mine) != len(ref_dets):
            problems.append(f"{len(mine)} detections, reference {len(ref_dets)}")
        for rank, (m, r) in enumerate(zip(mine, ref_dets)):
            box = max(abs(m[j] - r[j]) for j in range(4))
            max_box = max(max_box, box)
            if int(m[5]) != r[5] or box > BOX_TOL_PX:
                problems.append(f"rank {rank}: vigil class {int(m[5])} score {m[4]:.4f} box {m[:4]} vs reference "
                                f"class {r[5]} score {r[4]:.4f} box {r[:4]}")
        ok = not problems
        classes = ",".join(str(int(m[5])) for m in mine)
        log.append(f"| {key} | {stem} | {' / '.join(f'{r:.2e}' for r in rels)} | {len(mine)} ({classes}) | "
                   f"{max_box:.4f} | {'ok' if ok else 'FAIL'} |")
        errors.extend(f"{key}/{stem}: {p}" for p in problems)
        results.append(ok)
        detections_seen += len(mine)
    if detections_seen == 0:  # the detection comparison would be vacuous
        errors.append(f"{key}: no image gave any detection")
        results.append(False)
    return results, errors


def sample_images(data_dir):
    """The photos of shared/data/images, sorted (empty when there are none)."""
    image_dir = os.path.join(data_dir, "images")
    return sorted(os.path.join(image_dir, f) for f in os.listdir(image_dir) if f.endswith(".jpg"))


def report(log, errors, results, markdown):
    """Prints the table and the failures, writes the table to `markdown` if given; the exit status."""
    print("\n".join(log))
    for e in errors:
        print("FAIL:", e)
    if markdown:
        with open(markdown, "w") as f:
            f.write("\n".join(log) + "\n")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if results and passed == len(results) else 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle", required=True, help="the darknet_oracle binary (tests/darknet)")
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data"))
    ap.add_argument("--model", action="append", choices=sorted(MODELS), help="default: all")
    ap.add_argument("--work", help="scratch directory (default: a temporary one)")
    ap.add_argument("--markdown", help="also write the summary table here")
    args = ap.parse_args()

    images = sample_images(args.data)
    if not images:
        print(f"compare_opencv: FAILED: no images in {os.path.join(args.data, 'images')}", file=sys.stderr)
        return 1
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}; tolerances: heads {HEAD_REL_TOL} relative, "
          f"boxes {BOX_TOL_PX} px")
    log = ["| model | image | head max rel. error | vigil detections (classes by rank) | max box diff (px) | |",
           "|---|---|---|---|---|---|"]
    results, errors = [], []
    with tempfile.TemporaryDirectory(prefix="vigil_darknet_cv_") as tmp:
        work = args.work or tmp
        for key in args.model or sorted(MODELS):
            r, e = compare_model(key, args.data, images, args.oracle, work, log)
            results += r
            errors += e
    return report(log, errors, results, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
