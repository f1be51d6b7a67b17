"""Reference (PyTorch) inference of actdet over a whole video: what a deployment must reproduce.

Per frame: preprocess (preprocess.to_input), the frame network -> YOLO heads A, B and embedding E;
detections = yolo.decode(A, B) (score > score_threshold, per-class NMS at nms_threshold), boxes scaled
from input pixels back to frame pixels.

Per-frame action probabilities over a video of N frames, window T, stride D (default T/2):
  windows start at 0, D, 2D, ... while start + T <= N, plus one window ending at the last frame
  (start N - T) when that start is not already on the list; each window runs the temporal head (softmax
  over K) on its T embeddings; a frame's probabilities are the mean over the windows that contain it.
  A video shorter than T is padded by repeating its last embedding, and the padding's outputs dropped.
"""

import numpy as np
import torch

import preprocess
import yolo


def window_starts(num_frames: int, window: int, stride: int):
    if num_frames <= window:
        return [0]
    starts = list(range(0, num_frames - window + 1, stride))
    if starts[-1] != num_frames - window:
        starts.append(num_frames - window)
    return starts


@torch.no_grad()
def temporal_probabilities(net, embeddings: torch.Tensor, window: int, stride: int) -> np.ndarray:
    """embeddings [N, E] -> per-frame probabilities [N, K] (window averaging as in the module doc)."""
    n = embeddings.shape[0]
    padded = embeddings
    if n < window:
        padded = torch.cat([embeddings, embeddings[-1:].expand(window - n, -1)])
    total = np.zeros((max(n, window), net.config.num_actions))
    count = np.zeros(max(n, window))
    for s in window_starts(max(n, window), window, stride):
        probs = net.temporal(padded[s : s + window].unsqueeze(1))[:, 0]  # [T, K]
        total[s : s + window] += probs.numpy()
        count[s : s + window] += 1
    return (total / count[:, None])[:n]


@torch.no_grad()
def run_video(net, frames, window: int = None, stride: int = None, batch: int = 16,
              score_threshold: float = 0.05, nms_threshold: float = 0.45):
    """frames: a sequence of uint8 [H,W,3] RGB frames. Returns a dict:
    probs [N, K] float, detections: list of [k, 6] arrays (x1, y1, x2, y2, score, class) in frame pixels."""
    config = net.config
    s = config.input_size
    window = window or config.window
    stride = stride or max(1, window // 2)
    embeddings, detections = [], []
    chunk = []

    def flush():
        x = torch.from_numpy(np.stack([preprocess.to_input(f, s, s) for f in chunk]))
        out_a, out_b, emb = net(x)
        embeddings.append(emb)
        for f, dets in zip(chunk, yolo.decode([out_a, out_b], s, config.num_classes, score_threshold, nms_threshold)):
            d = dets.numpy().astype(np.float64)
            d[:, [0, 2]] *= f.shape[1] / s
            d[:, [1, 3]] *= f.shape[0] / s
            detections.append(d)
        chunk.clear()

    for frame in frames:
        chunk.append(frame)
        if len(chunk) == batch:
            flush()
    if chunk:
        flush()
    probs = temporal_probabilities(net, torch.cat(embeddings), window, stride)
    return {"probs": probs, "detections": detections}
