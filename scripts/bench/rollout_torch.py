#!/usr/bin/env python3
"""The PyTorch reference of `pathwise bench rollout` (issue 14): the same computation on the CPU.

One iteration: a deterministic tanh-squashed MLP [64, 64] ELU policy drives T = 64 steps of the SHAC
cart-pole swing-up (the dynamics of packages/envs/src/envs/cartpole-swingup.ts, op for op, float32),
from a random start; loss -sum_t mean_b r_t (summed as -mean_b sum_t r_t); backward to the policy parameters. Timed as the bench
times ours: one warm-up, then the best of 2-5 repeats; a size whose iteration takes over --limit-s
seconds (or would take twice that, scaled linearly from the size before) is skipped.

  python3 scripts/bench/rollout_torch.py --envs 256,1024 --threads 1,2 [--horizon 64] [--limit-s 30] [--device cpu|cuda]

Prints {"reference": [{"impl": "torch", "threads", "envs", "steps_per_s", "ms_per_iter"}], "skipped": [...]}.
With --device cuda every tensor lives on the first CUDA device, the clock stops after
torch.cuda.synchronize(), and each row adds "device": "cuda" and "gpu" (the device's name).
Exits 3 with one line on stderr when torch is not installed (Debian: apt-get install python3-torch),
and 4 when --device cuda is asked for and torch sees no CUDA device.
"""
import argparse
import json
import math
import sys
import time

try:
    import torch
except ImportError:
    print("PyTorch is not installed (Debian: apt-get install python3-torch; pip: pip install torch)", file=sys.stderr)
    sys.exit(3)

# CARTPOLE_SWINGUP in packages/envs/src/envs/cartpole-swingup.ts.
CART_MASS, POLE_MASS, HALF_LENGTH = 50.0, 2.5, 0.5
POLE_INERTIA_COM = 2.5 / 12 * (0.05 * 0.05 + 1.0 * 1.0)
ARMATURE, DAMPING, CART_LIMIT, LIMIT_STIFFNESS, GRAVITY = 0.01, 1.0, 4.0, 100.0, 9.81
ACTION_STRENGTH, DT, SUBSTEPS = 1000.0, 1 / 60, 4
ML = POLE_MASS * HALF_LENGTH
H11 = CART_MASS + POLE_MASS + ARMATURE
H22 = POLE_INERTIA_COM + POLE_MASS * HALF_LENGTH**2 + ARMATURE
MGL = POLE_MASS * GRAVITY * HALF_LENGTH
H = DT / SUBSTEPS


def step(x, th, xd, thd, action):
    force = action.reshape(-1) * ACTION_STRENGTH
    h12 = torch.cos(th) * ML
    scaled_inv_det = H / (H11 * H22 - h12 * h12)
    p, r, q = scaled_inv_det * H22, scaled_inv_det * H11, scaled_inv_det * h12
    for _ in range(SUBSTEPS):
        sin = torch.sin(th)
        limit = (x - torch.clamp(x, -CART_LIMIT, CART_LIMIT)) * LIMIT_STIFFNESS
        tau1 = force + sin * thd * thd * ML - xd * DAMPING - limit
        tau2 = sin * MGL - thd * DAMPING
        xd = xd + (p * tau1 - q * tau2)
        thd = thd + (r * tau2 - q * tau1)
        x = x + xd * H
        th = th + thd * H
    wrapped = torch.atan2(torch.sin(th), torch.cos(th))
    reward = -(wrapped * wrapped + 0.1 * thd * thd + 0.05 * x * x + 0.1 * xd * xd)
    return x, th, xd, thd, reward


def observe(x, th, xd, thd):
    return torch.stack([x, torch.cos(th), torch.sin(th), xd, thd], 1)


def iteration(policy, start, horizon):
    x, th, xd, thd = start
    rewards = []
    for _ in range(horizon):
        action = torch.clamp(torch.tanh(policy(observe(x, th, xd, thd))), -1, 1)
        x, th, xd, thd, reward = step(x, th, xd, thd, action)
        rewards.append(reward)
    # -sum_t mean_b r_t as -mean_b sum_t r_t, as packages/envs/src/bench-rollout.ts sums it.
    total = torch.stack(rewards).sum(0).mean()
    policy.zero_grad(set_to_none=True)
    (-total).backward()
    if x.device.type == "cuda":
        torch.cuda.synchronize()


def best_ms(envs, horizon, limit_ms, device="cpu"):
    torch.manual_seed(1)
    policy = torch.nn.Sequential(torch.nn.Linear(5, 64), torch.nn.ELU(), torch.nn.Linear(64, 64), torch.nn.ELU(), torch.nn.Linear(64, 1)).to(device)
    u = lambda half: ((torch.rand(envs) - 0.5) * 2 * half).to(device)
    start = (u(math.pi / 2), -math.pi + u(math.pi / 2), u(0.25), u(0.25))
    t0 = time.perf_counter()
    iteration(policy, start, horizon)
    warm = (time.perf_counter() - t0) * 1000
    if warm > limit_ms:
        return None, f"one iteration took {warm / 1000:.1f} s (limit {limit_ms / 1000:.0f} s)"
    best = math.inf
    for _ in range(max(2, min(5, math.ceil(2000 / warm)))):
        t0 = time.perf_counter()
        iteration(policy, start, horizon)
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envs", default="256,1024,4096,16384,65536")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--horizon", type=int, default=64)
    parser.add_argument("--limit-s", type=float, default=30)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    extra = {}
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print(f"torch {torch.__version__} sees no CUDA device (CUDA build: {torch.version.cuda or 'no'})", file=sys.stderr)
            sys.exit(4)
        extra = {"device": "cuda", "gpu": torch.cuda.get_device_name(0)}
    reference, skipped = [], []
    limit_ms = args.limit_s * 1000
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        previous, stopped = None, None
        for envs in sorted(int(e) for e in args.envs.split(",")):
            if stopped is None and previous is not None and previous[1] * envs / previous[0] > 2 * limit_ms:
                stopped = f"scaled from {previous[0]} envs, one iteration would take {previous[1] * envs / previous[0] / 1000:.0f} s (limit {args.limit_s:.0f} s)"
            if stopped is None:
                ms, stopped = best_ms(envs, args.horizon, limit_ms, args.device)
            if stopped is not None:
                skipped.append({"impl": "torch", "threads": threads, "envs": envs, "reason": stopped, **extra})
                continue
            previous = (envs, ms)
            reference.append({"impl": "torch", "threads": threads, "envs": envs, "steps_per_s": round(envs * args.horizon / (ms / 1000)), "ms_per_iter": round(ms, 2), **extra})
            # Printed as it goes, so that a run cut off by a time limit still leaves its rows.
            print(json.dumps({"partial": reference[-1]}), file=sys.stderr, flush=True)
    print(json.dumps({"torch": torch.__version__, "reference": reference, "skipped": skipped}))


if __name__ == "__main__":
    main()
