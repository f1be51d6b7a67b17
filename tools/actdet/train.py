#!/usr/bin/env python3
"""Trains actdet end to end on synthetic clips: YOLO loss on the two heads + per-frame action cross-entropy.

    train.py --out DIR [--width 0.25] [--input-size 128] [--steps 3000] [--batch 8] [--seed 0]
             [--data DIR]        # train on video_*.y4m + .jsonl files instead of clips rendered on the fly
             [--max-minutes M]   # stop early (the checkpoint then says how far it got)

Writes DIR/last.pt every --save-every steps and at the end (model weights, config, step, optimizer,
arguments, labels), and DIR/log.jsonl with one line per logged step. The schedule (AdamW, linear warm-up,
cosine decay to 5% over --steps) is a function of the step, so a run resumed with --resume continues
exactly where it stopped; data is a function of (seed, epoch, index), see dataset.py.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import model  # noqa: E402
import yolo  # noqa: E402


def learning_rate(step, total, base, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def save(path, net, optimizer, step, args, config):
    tmp = path + ".tmp"
    torch.save(model.checkpoint(net, config, step, optimizer=optimizer.state_dict(), args=vars(args)), tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--input-size", type=int, default=128)
    ap.add_argument("--window", type=int, default=16, help="T, frames per training clip")
    ap.add_argument("--batch", type=int, default=8, help="clips per step")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--action-weight", type=float, default=1.0)
    ap.add_argument("--box-weight", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--video-sizes", default="256", help="comma-separated render sizes for on-the-fly clips")
    ap.add_argument("--data", help="directory of video_*.y4m + .jsonl (default: render clips on the fly)")
    ap.add_argument("--workers", type=int, default=1, help="DataLoader worker processes (rendering)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads for the training process")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this long (0 = no limit)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    ap.add_argument("--overfit-one-batch", action="store_true",
                    help="debug: train on the first batch over and over (the losses must go towards 0)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    config = model.demo_config(args.width, args.input_size, args.window)
    net = model.build(config, args.seed)
    decay, no_decay = [], []
    for name, p in net.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)  # no weight decay on BatchNorm and biases
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr
    )
    step = 0
    ckpt_path = os.path.join(args.out, "last.pt")
    if args.resume and os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location="cpu")
        net.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]
        print(f"resumed at step {step}")
    clips_per_epoch = 50 * args.batch
    if args.data:
        data = dataset.VideoFileClips(args.data, args.window, args.input_size, seed=args.seed)
    else:
        sizes = [int(v) for v in args.video_sizes.split(",")]
        data = dataset.SyntheticClips(args.seed, clips_per_epoch, args.window, args.input_size, sizes)
    if args.overfit_one_batch:
        data = dataset.RepeatedClips([data[i] for i in range(args.batch)], repeat=50)
    steps_per_epoch = len(data) // args.batch
    loss_fn = yolo.YoloLoss(args.input_size, config.num_classes, box_weight=args.box_weight)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"actdet width {args.width} input {args.input_size} T {args.window} K {config.num_actions}: "
          f"{n_params} parameters ({n_params * 4 / 1e6:.2f} MB f32); {len(data)} clips per epoch")
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    start = time.time()
    net.train()
    while step < args.steps:
        epoch, skip = divmod(step, steps_per_epoch)
        data.set_epoch(epoch)
        # Worker processes get their copy of the dataset (with the epoch set) when the iterator starts.
        subset = torch.utils.data.Subset(data, range(skip * args.batch, len(data)))  # resuming mid-epoch
        loader = DataLoader(subset, batch_size=args.batch, shuffle=False, num_workers=args.workers,
                            collate_fn=dataset.collate, drop_last=True)
        sums, count, t_data, t_step, c_step = {}, 0, 0.0, 0.0, 0.0
        t0 = time.time()
        for frames, actions, targets in loader:
            t1 = time.time()
            c1 = time.process_time()
            t_data += t1 - t0
            lr = learning_rate(step, args.steps, args.lr, args.warmup)
            for group in optimizer.param_groups:
                group["lr"] = lr
            out_a, out_b, logits = model.clip_logits(net, frames)
            n_frames = frames.shape[0] * frames.shape[1]
            det_loss, parts = loss_fn([out_a, out_b], targets, n_frames)
            act_loss = F.cross_entropy(logits.reshape(-1, config.num_actions), actions.reshape(-1))
            loss = det_loss + args.action_weight * act_loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            optimizer.step()
            step += 1
            acc = (logits.argmax(-1) == actions).float().mean().item()
            for k, v in {"loss": loss.item(), "action": act_loss.item(), "acc": acc, **{k: v.item() for k, v in parts.items()}}.items():
                sums[k] = sums.get(k, 0.0) + v
            count += 1
            t0 = time.time()
            t_step += t0 - t1
            c_step += time.process_time() - c1
            if step % args.log_every == 0 or step == args.steps:
                row = {k: round(v / count, 4) for k, v in sums.items()}
                row.update(step=step, lr=round(lr, 6), minutes=round((time.time() - start) / 60, 2),
                           data_s=round(t_data / count, 3), step_s=round(t_step / count, 3),
                           cpu_s=round(c_step / count, 3))
                print(json.dumps(row), flush=True)
                log.write(json.dumps(row) + "\n")
                log.flush()
                sums, count, t_data, t_step, c_step = {}, 0, 0.0, 0.0, 0.0
            out_of_time = args.max_minutes and time.time() - start > args.max_minutes * 60
            if step % args.save_every == 0 or step == args.steps or out_of_time:
                save(ckpt_path, net, optimizer, step, args, config)
            if step >= args.steps or out_of_time:
                break
        if args.max_minutes and time.time() - start > args.max_minutes * 60:
            print(f"stopping after {args.max_minutes} minutes at step {step}")
            break
    save(ckpt_path, net, optimizer, step, args, config)
    print(f"saved {ckpt_path} (step {step}, {(time.time() - start) / 60:.1f} min)")


if __name__ == "__main__":
    main()
