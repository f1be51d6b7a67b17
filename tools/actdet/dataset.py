"""PyTorch datasets of T-frame clips with per-frame action labels and figure boxes (YOLO targets).

Two sources, same sample format:
  SyntheticClips  renders clips on the fly: sample i of epoch e is a window of a short synthetic video whose
                  seed is derived from (seed, e, i): unlimited, never-repeating, deterministic data.
  VideoFileClips  reads videos written by synth_video.py (video_<seed>.y4m + .jsonl) from a directory: a
                  fixed dataset, as a user with recorded videos would have.

A sample is a dict:
  frames   float32 [T, 3, S, S]  network input (preprocess.to_input of the canonical frame)
  actions  int64 [T]             main action id per frame (labels.ACTIONS)
  boxes    float32 [M, 5]        (t, x1, y1, x2, y2) in network-input pixels, t = frame index in the clip
collate() stacks a batch into frames [B, T, 3, S, S], actions [B, T] and targets [M, 6] rows
(b * T + t, class 0, x1, y1, x2, y2): the per-frame box lists of all B*T frames, as yolo_loss expects.
"""

import glob
import json
import os

import numpy as np
import torch
from torch.utils.data import Dataset

import preprocess
from scene import SyntheticVideo
from y4m import Y4MReader


# Training videos have seeds >= 2^61; held-out videos (evaluate.py, synth_video.py) use seeds below it, so
# the two sets are disjoint by construction.
TRAIN_SEED_BIT = 1 << 61


def _boxes_for(truth, t, sx, sy):
    return [[t, f["box"][0] * sx, f["box"][1] * sy, f["box"][2] * sx, f["box"][3] * sy] for f in truth["figures"]]


def _sample(frames, actions, boxes):
    return {
        "frames": torch.from_numpy(np.stack(frames)),
        "actions": torch.tensor(actions, dtype=torch.int64),
        "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 5),
    }


class SyntheticClips(Dataset):
    """`length` clips per epoch, rendered on demand. Call set_epoch(e) to draw a different set of videos.

    video_sizes: the frame sizes the videos are rendered at (one picked per sample), each resized to
    input_size by the deployment preprocessing; mixing sizes makes the model robust to the source
    resolution and rendering at the input size is the cheapest."""

    def __init__(self, seed: int, length: int, clip_frames: int = 16, input_size: int = 128,
                 video_sizes=(256,), video_seconds: float = 10.0, fps: int = 10):
        self.seed, self.length, self.clip_frames = seed, length, clip_frames
        self.input_size, self.video_sizes = input_size, tuple(video_sizes)
        self.video_seconds, self.fps = video_seconds, fps
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        rng = np.random.default_rng([self.seed, self.epoch, i])
        size = int(rng.choice(self.video_sizes))
        video_seed = TRAIN_SEED_BIT | int(rng.integers(TRAIN_SEED_BIT))
        video = SyntheticVideo(video_seed, self.video_seconds, fps=self.fps, width=size, height=size)
        start = int(rng.integers(0, max(1, video.num_frames - self.clip_frames + 1)))
        s = self.input_size
        scale = s / size
        frames, actions, boxes = [], [], []
        for t in range(self.clip_frames):
            rgb, truth = video.frame(min(start + t, video.num_frames - 1))
            frames.append(preprocess.to_input(rgb, s, s))
            actions.append(truth["action_id"])
            boxes += _boxes_for(truth, t, scale, scale)
        return _sample(frames, actions, boxes)


class VideoFileClips(Dataset):
    """Clips from the video_*.y4m / .jsonl pairs in `directory`. Epoch e covers every video with windows
    of T frames at a stride of `stride` frames, offset by a per-epoch seeded shift."""

    def __init__(self, directory: str, clip_frames: int = 16, input_size: int = 128, stride: int = 8, seed: int = 0):
        self.clip_frames, self.input_size, self.stride, self.seed = clip_frames, input_size, stride, seed
        self.videos = []
        for path in sorted(glob.glob(os.path.join(directory, "video_*.y4m"))):
            with open(path[: -len(".y4m")] + ".jsonl") as f:
                lines = [json.loads(line) for line in f]
            reader = Y4MReader(path)
            truth = lines[1:]
            if len(truth) != len(reader):
                raise ValueError(f"{path}: {len(reader)} frames but {len(truth)} ground-truth lines")
            self.videos.append((reader, truth))
        if not self.videos:
            raise ValueError(f"no video_*.y4m in {directory}")
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        rng = np.random.default_rng([self.seed, epoch])
        self.index = []
        for v, (reader, _) in enumerate(self.videos):
            shift = int(rng.integers(self.stride))
            last = max(0, len(reader) - self.clip_frames)
            self.index += [(v, min(s, last)) for s in range(shift, last + self.stride, self.stride)]

    def __len__(self):
        return len(self.index)

    def __getitem__(self, i):
        v, start = self.index[i]
        reader, truth = self.videos[v]
        s = self.input_size
        sx, sy = s / reader.width, s / reader.height
        frames, actions, boxes = [], [], []
        for t in range(self.clip_frames):
            f = min(start + t, len(reader) - 1)
            frames.append(preprocess.to_input(reader.frame(f), s, s))
            actions.append(truth[f]["action_id"])
            boxes += _boxes_for(truth[f], t, sx, sy)
        return _sample(frames, actions, boxes)


class RepeatedClips(Dataset):
    """A few samples held in memory, repeated `repeat` times (for overfitting checks)."""

    def __init__(self, samples, repeat: int):
        self.samples, self.repeat = samples, repeat

    def set_epoch(self, epoch: int) -> None:
        pass

    def __len__(self):
        return len(self.samples) * self.repeat

    def __getitem__(self, i):
        return self.samples[i % len(self.samples)]


def collate(samples):
    frames = torch.stack([s["frames"] for s in samples])
    actions = torch.stack([s["actions"] for s in samples])
    t = frames.shape[1]
    targets = []
    for b, s in enumerate(samples):
        boxes = s["boxes"]
        if len(boxes):
            index = (b * t + boxes[:, 0]).unsqueeze(1)
            targets.append(torch.cat([index, torch.zeros_like(index), boxes[:, 1:]], dim=1))
    targets = torch.cat(targets) if targets else torch.zeros((0, 6))
    return frames, actions, targets
