"""YOLO geometry, decoding, and training loss for actdet's two heads (yolov4-tiny layout).

Heads, in the model's output order: A (coarse, stride 32, anchor mask 3,4,5) and B (fine, stride 16,
mask 1,2,3). Anchors are darknet's yolov4-tiny anchors (for a 416 input) scaled to the input size.
Channel a*(5+C)+k of a head holds, for anchor a: k=0 tx, 1 ty, 2 tw, 3 th, 4 objectness, 5+c class c.
Decoding (identical to vigil's YoloDetect, kernels/yolo_detect/yolo_detect.h), cell row i, column j:
    cx = (j + sigmoid(tx) * s - (s - 1) / 2) * stride     s = scale_x_y = 1.05
    cy = (i + sigmoid(ty) * s - (s - 1) / 2) * stride
    w = anchor_w * exp(tw),  h = anchor_h * exp(th),  score(c) = sigmoid(obj) * sigmoid(cls_c)

Loss (darknet-style assignment, per-frame sums averaged over frames):
  - each ground-truth box is assigned to the anchor (of the five the heads use) whose shape fits it best
    (IoU of boxes with aligned centres), in the cell containing its centre, in every head whose mask
    holds that anchor;
  - box: 1 - GIoU(decoded box, truth) at assigned anchors;
  - objectness: BCE, target 1 at assigned anchors, 0 elsewhere except predictions whose IoU with some
    truth of their frame exceeds ignore_thresh (0.7, as yolov4-tiny.cfg), which are left out;
  - class: BCE at assigned anchors (one-hot).
"""

import math

import torch
import torch.nn.functional as F

YOLOV4_TINY_ANCHORS = ((10, 14), (23, 27), (37, 58), (81, 82), (135, 169), (344, 319))
MASKS = ((3, 4, 5), (1, 2, 3))  # head A (stride 32), head B (stride 16)
STRIDES = (32, 16)
SCALE_X_Y = 1.05
IGNORE_THRESH = 0.7


def anchors_for(input_size: int):
    """The six anchors (w, h) in network-input pixels for a square input of `input_size`."""
    k = input_size / 416.0
    return [(w * k, h * k) for w, h in YOLOV4_TINY_ANCHORS]


def _decode_head(raw, anchors, stride, num_classes):
    """raw [N, A*(5+C), H, W] -> boxes [N, A, H, W, 4] (cx, cy, w, h), logits [N, A, H, W, 5+C]."""
    n, _, h, w = raw.shape
    a = len(anchors)
    p = raw.view(n, a, 5 + num_classes, h, w).permute(0, 1, 3, 4, 2)
    gy, gx = torch.meshgrid(torch.arange(h, dtype=raw.dtype), torch.arange(w, dtype=raw.dtype), indexing="ij")
    s = SCALE_X_Y
    cx = (gx + torch.sigmoid(p[..., 0]) * s - (s - 1) / 2) * stride
    cy = (gy + torch.sigmoid(p[..., 1]) * s - (s - 1) / 2) * stride
    anchor = torch.tensor(anchors, dtype=raw.dtype).view(1, a, 1, 1, 2)
    wh = anchor * torch.exp(p[..., 2:4].clamp(max=8.0))
    return torch.stack([cx, cy, wh[..., 0], wh[..., 1]], dim=-1), p


def _to_corners(b):
    return torch.cat([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], dim=-1)


def box_iou(a, b):
    """Pairwise IoU of corner boxes a [..., P, 4] and b [..., Q, 4] -> [..., P, Q]."""
    lt = torch.maximum(a[..., :, None, :2], b[..., None, :, :2])
    rb = torch.minimum(a[..., :, None, 2:], b[..., None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[..., 2:] - a[..., :2]).clamp(min=0).prod(-1)
    area_b = (b[..., 2:] - b[..., :2]).clamp(min=0).prod(-1)
    return inter / (area_a[..., :, None] + area_b[..., None, :] - inter + 1e-9)


def giou(a, b):
    """Elementwise GIoU of corner boxes a, b [..., 4]."""
    lt = torch.maximum(a[..., :2], b[..., :2])
    rb = torch.minimum(a[..., 2:], b[..., 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = (a[..., 2:] - a[..., :2]).prod(-1) + (b[..., 2:] - b[..., :2]).prod(-1) - inter + 1e-9
    hull = (torch.maximum(a[..., 2:], b[..., 2:]) - torch.minimum(a[..., :2], b[..., :2])).prod(-1) + 1e-9
    return inter / union - (hull - union) / hull


class YoloLoss:
    def __init__(self, input_size: int, num_classes: int = 1, box_weight: float = 1.0, obj_weight: float = 1.0,
                 cls_weight: float = 1.0):
        self.input_size, self.num_classes = input_size, num_classes
        self.anchors = anchors_for(input_size)
        self.box_weight, self.obj_weight, self.cls_weight = box_weight, obj_weight, cls_weight

    def _assign(self, targets):
        """(target index, head, anchor slot in the head) for each target and each head whose mask holds the
        target's best-fitting anchor (anchor 3 is in both masks, so such a target trains both heads)."""
        used = sorted({i for m in MASKS for i in m})
        wh = targets[:, 4:6] - targets[:, 2:4]
        anchors = torch.tensor([self.anchors[i] for i in used], dtype=wh.dtype)
        inter = torch.minimum(wh[:, None, :], anchors[None]).prod(-1)
        iou = inter / (wh.prod(-1)[:, None] + anchors.prod(-1)[None] - inter)
        out = []
        for m, k in enumerate(iou.argmax(1).tolist()):
            for h, mask in enumerate(MASKS):
                if used[k] in mask:
                    out.append((m, h, mask.index(used[k])))
        return out

    def __call__(self, outputs, targets, num_frames):
        """outputs: [head A, head B] raw tensors [N, A*(5+C), H, W]; targets [M, 6] rows (frame, class,
        x1, y1, x2, y2) in input pixels. Returns (total, {"box", "obj", "cls"}) averaged per frame."""
        assignment = self._assign(targets) if len(targets) else []
        frame = targets[:, 0].long()
        truth_corners = targets[:, 2:6]
        # Padded per-frame truth for the ignore mask: [N, G, 4] (empty slots far away -> IoU 0).
        counts = torch.bincount(frame, minlength=num_frames) if len(targets) else torch.zeros(num_frames, dtype=torch.long)
        g = max(1, int(counts.max()) if len(targets) else 1)
        padded = torch.full((num_frames, g, 4), -1e4)
        padded[..., 2:] = -1e4 + 1.0
        slot = torch.zeros(len(targets), dtype=torch.long)
        seen = {}
        for m, f in enumerate(frame.tolist()):
            slot[m] = seen.get(f, 0)
            seen[f] = slot[m].item() + 1
        if len(targets):
            padded[frame, slot] = truth_corners
        box_loss = obj_loss = cls_loss = outputs[0].new_zeros(())
        for h, raw in enumerate(outputs):
            mask = MASKS[h]
            anchors = [self.anchors[i] for i in mask]
            boxes, p = _decode_head(raw, anchors, STRIDES[h], self.num_classes)
            n, a, gh, gw, _ = p.shape
            corners = _to_corners(boxes)
            with torch.no_grad():
                best_iou = box_iou(corners.reshape(n, -1, 4), padded).amax(-1).view(n, a, gh, gw)
            obj_target = torch.zeros(n, a, gh, gw)
            obj_weight = (best_iou <= IGNORE_THRESH).float()
            picks = [(m, slot_a) for m, hh, slot_a in assignment if hh == h]
            if picks:
                ms = torch.tensor([m for m, _ in picks])
                sa = torch.tensor([s for _, s in picks])
                centre = (truth_corners[ms, :2] + truth_corners[ms, 2:]) / 2
                j = (centre[:, 0] / STRIDES[h]).long().clamp(0, gw - 1)
                i = (centre[:, 1] / STRIDES[h]).long().clamp(0, gh - 1)
                fr = frame[ms]
                obj_target[fr, sa, i, j] = 1.0
                obj_weight[fr, sa, i, j] = 1.0
                box_loss = box_loss + (1.0 - giou(corners[fr, sa, i, j], truth_corners[ms])).sum()
                cls_target = F.one_hot(targets[ms, 1].long(), self.num_classes).to(raw.dtype)
                cls_loss = cls_loss + F.binary_cross_entropy_with_logits(
                    p[fr, sa, i, j, 5:], cls_target, reduction="sum"
                )
            obj_loss = obj_loss + (
                F.binary_cross_entropy_with_logits(p[..., 4], obj_target, reduction="none") * obj_weight
            ).sum()
        parts = {"box": box_loss / num_frames, "obj": obj_loss / num_frames, "cls": cls_loss / num_frames}
        total = self.box_weight * parts["box"] + self.obj_weight * parts["obj"] + self.cls_weight * parts["cls"]
        return total, parts


def init_head_biases(head_a, head_b, input_size: int, num_classes: int, num_anchors: int = 3):
    """Objectness bias so the initial objectness is ~1 object per frame spread over all cells (like the
    focal-loss / yolov5 prior); class biases 0. Keeps the first steps from being dominated by negatives."""
    for conv, stride in ((head_a, STRIDES[0]), (head_b, STRIDES[1])):
        cells = (input_size // stride) ** 2 * num_anchors
        prior = 1.0 / cells
        with torch.no_grad():
            b = conv.bias.view(num_anchors, 5 + num_classes)
            b[:, :4] = 0.0
            b[:, 4] = math.log(prior / (1 - prior))
            b[:, 5:] = 0.0


def decode(outputs, input_size: int, num_classes: int = 1, score_threshold: float = 0.05,
           nms_threshold: float = 0.45, max_detections: int = 100):
    """Per frame list of detections [K, 6] (x1, y1, x2, y2, score, class) in input pixels, by descending
    score, after per-class greedy NMS (what YoloDetect computes)."""
    anchors = anchors_for(input_size)
    all_boxes, all_scores = [], []
    for h, raw in enumerate(outputs):
        boxes, p = _decode_head(raw, [anchors[i] for i in MASKS[h]], STRIDES[h], num_classes)
        n = raw.shape[0]
        # Candidate order as YoloDetect numbers them: head, row, column, anchor, class.
        corners = _to_corners(boxes).permute(0, 2, 3, 1, 4).reshape(n, -1, 4)
        scores = (torch.sigmoid(p[..., 4:5]) * torch.sigmoid(p[..., 5:])).permute(0, 2, 3, 1, 4).reshape(n, -1, num_classes)
        all_boxes.append(corners)
        all_scores.append(scores)
    boxes, scores = torch.cat(all_boxes, 1), torch.cat(all_scores, 1)
    results = []
    for f in range(boxes.shape[0]):
        kept = []
        for c in range(num_classes):
            s = scores[f, :, c]
            idx = torch.nonzero(s > score_threshold).flatten()
            if not len(idx):
                continue
            order = idx[torch.argsort(-s[idx], stable=True)]
            b = boxes[f, order]
            iou = box_iou(b, b)
            keep = torch.ones(len(order), dtype=torch.bool)
            for k in range(len(order)):
                if keep[k]:
                    keep[k + 1 :] &= iou[k, k + 1 :] <= nms_threshold
            for k in torch.nonzero(keep).flatten().tolist():
                kept.append([*b[k].tolist(), float(s[order[k]]), float(c)])
        kept.sort(key=lambda d: -d[4])
        results.append(torch.tensor(kept[:max_detections]).reshape(-1, 6))
    return results
