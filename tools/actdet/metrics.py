"""Metrics of the action detector: frame accuracy, segment F1 at a temporal IoU, box AP50.

Segments: maximal runs of equal per-frame labels. Predicted labels are first smoothed: while some run is
shorter than `min_length` frames (and there is more than one run), the shortest run (leftmost on ties)
is absorbed: if its two neighbours carry the same label the three runs merge, otherwise it takes the
label of its longer neighbour (the left one on ties).

Segment F1 at IoU tau: predicted segments are taken in time order; each is a true positive when some
not-yet-matched ground-truth segment with the same label overlaps it with temporal IoU >= tau (the
highest-IoU one is matched), else a false positive; unmatched ground-truth segments are false negatives.
F1 = 2 TP / (2 TP + FP + FN). Segments labelled with an ignored label ("nobody" by default) are left out
on both sides.

Box AP50: all detections of all frames ranked by score (stable on ties), each matched greedily to the
highest-IoU unmatched ground-truth box of its frame with IoU >= 0.5; AP is the area under the precision-
recall curve with precision made monotone (VOC all-point interpolation).
"""

import numpy as np


def frame_accuracy(pred, truth) -> float:
    pred, truth = np.asarray(pred), np.asarray(truth)
    return float((pred == truth).mean()) if len(truth) else float("nan")


def runs(labels):
    """[(label, start, end)] maximal runs, end exclusive."""
    out = []
    for i, v in enumerate(labels):
        v = int(v)
        if out and out[-1][0] == v:
            out[-1][2] = i + 1
        else:
            out.append([v, i, i + 1])
    return [tuple(r) for r in out]


def smooth(labels, min_length: int):
    segs = [list(r) for r in runs(labels)]
    while len(segs) > 1:
        lengths = [e - s for _, s, e in segs]
        k = int(np.argmin(lengths))
        if lengths[k] >= min_length:
            break
        left = segs[k - 1] if k > 0 else None
        right = segs[k + 1] if k + 1 < len(segs) else None
        if left and right and left[0] == right[0]:
            left[2] = right[2]
            del segs[k : k + 2]
            continue
        if right is None or (left is not None and left[2] - left[1] >= right[2] - right[1]):
            left[2] = segs[k][2]
        else:
            right[1] = segs[k][1]
        del segs[k]
    out = np.empty(len(labels), np.int64)
    for v, s, e in segs:
        out[s:e] = v
    return out


def segment_f1(pred_labels, true_labels, iou_threshold: float = 0.5, min_length: int = 3, ignore=(0,)):
    """(f1, tp, fp, fn) for per-frame label sequences of one video."""
    pred = [r for r in runs(smooth(pred_labels, min_length)) if r[0] not in ignore]
    truth = [r for r in runs(true_labels) if r[0] not in ignore]
    matched = [False] * len(truth)
    tp = fp = 0
    for label, s, e in pred:
        best, best_iou = -1, iou_threshold
        for g, (tl, ts, te) in enumerate(truth):
            if matched[g] or tl != label:
                continue
            inter = max(0, min(e, te) - max(s, ts))
            iou = inter / (max(e, te) - min(s, ts))
            if iou >= best_iou:
                best, best_iou = g, iou
        if best >= 0:
            matched[best] = True
            tp += 1
        else:
            fp += 1
    fn = matched.count(False)
    denom = 2 * tp + fp + fn
    return (2 * tp / denom if denom else 1.0), tp, fp, fn


def _iou(box, boxes):
    lt = np.maximum(box[:2], boxes[:, :2])
    rb = np.minimum(box[2:4], boxes[:, 2:4])
    inter = np.clip(rb - lt, 0, None).prod(1)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter)


def average_precision(detections, truths, iou_threshold: float = 0.5) -> float:
    """detections: per frame arrays [k, >=5] (x1, y1, x2, y2, score, ...); truths: per frame arrays [g, 4]."""
    ranked = []
    for f, d in enumerate(detections):
        for row in np.asarray(d).reshape(-1, np.asarray(d).shape[-1] if len(d) else 6):
            ranked.append((-float(row[4]), f, row[:4]))
    ranked.sort(key=lambda r: r[0])  # stable: equal scores keep frame order
    total = sum(len(t) for t in truths)
    if total == 0:
        return float("nan")
    used = [np.zeros(len(t), bool) for t in truths]
    hits = np.zeros(len(ranked))
    for n, (_, f, box) in enumerate(ranked):
        t = np.asarray(truths[f], dtype=np.float64).reshape(-1, 4)
        if not len(t):
            continue
        iou = _iou(np.asarray(box, np.float64), t)
        iou[used[f]] = -1
        g = int(np.argmax(iou))
        if iou[g] >= iou_threshold:
            used[f][g] = True
            hits[n] = 1
    tp = np.cumsum(hits)
    recall = tp / total
    precision = tp / np.arange(1, len(ranked) + 1)
    # Monotone envelope, then the area under the step curve.
    r = np.concatenate([[0.0], recall, [recall[-1] if len(recall) else 0.0]])
    p = np.concatenate([[1.0], precision, [0.0]])
    for i in range(len(p) - 2, -1, -1):
        p[i] = max(p[i], p[i + 1])
    return float(np.sum((r[1:] - r[:-1]) * p[1:]))


def confusion(pred, truth, k: int) -> np.ndarray:
    m = np.zeros((k, k), np.int64)
    np.add.at(m, (np.asarray(truth), np.asarray(pred)), 1)
    return m
