#!/usr/bin/env python3
"""The PyTorch reference of `pathwise bench train` (issue 14): one training epoch on the CPU.

The same computation as one epoch of packages/gippo (docs/algorithms/gippo.md §2.1, §2.5, §2.6) on
De Jong 64-D with the reference defaults: 64 actors, horizon 1, actor and critic MLPs [32, 32]
(Linear -> ELU -> LayerNorm blocks; the actor's mu and log-sigma heads as one Linear of width 128),
observation and value normalisers, GAE, 16 critic iterations x 4 minibatches with Adam (0.7, 0.95)
and grad-norm clip 1, the target-critic Polyak update, and
  ppo:   a detached rollout, then 5 PPO mini-epochs of one minibatch (the stable-PPO retry loop);
  gippo: the rollout with autograd and the analytic action gradients, the alpha-regression (16 Adam
         steps per try, up to 8 tries), the determinant, OORR and bias criteria, then PPO towards the
         virtual policy 1/2 (pi_old + pi_alpha).
Lean PyTorch (no framework around it), float32, one thread by default. Timed as the bench times
ours: 3 warm-up epochs, then --epochs epochs, the mean per epoch; --repeats such runs, the best.

  python3 scripts/bench/epoch_torch.py --algos gippo,ppo [--epochs 50] [--repeats 1] [--threads 1]

Prints {"torch": version, "reference": [{"impl": "torch", "algo", "threads", "ms_per_epoch"}]}.
Exits 3 with one line on stderr when torch is not installed (Debian: apt-get install python3-torch).
"""
import argparse
import json
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("PyTorch is not installed (Debian: apt-get install python3-torch; pip: pip install torch)", file=sys.stderr)
    sys.exit(3)

DIM, ACTORS, HORIZON, HIDDEN = 64, 64, 1, [32, 32]
GAMMA, LAMBDA, E_CLIP, GRAD_NORM, BETAS = 0.99, 0.95, 0.2, 1.0, (0.7, 0.95)
CRITIC_ITERATIONS, CRITIC_BATCHES, TARGET_ALPHA = 16, 4, 0.2
MINI_EPOCHS, MINIBATCH, MAX_OPTIM_ITER, LR_MULTIPLIER = 5, 64, 8, 1.5
ALPHA_ITERATIONS, ALPHA_LR, MAX_EPOCHS, LR_FINAL = 16, 1e-3, 2000, 1e-5
ACTOR_LR, CRITIC_LR = 1e-2, 1e-3
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def mlp(inp, out, orthogonal):
    layers, width = [], inp
    for h in HIDDEN:
        layers += [nn.Linear(width, h), nn.ELU(), nn.LayerNorm(h)]
        width = h
    layers.append(nn.Linear(width, out))
    net = nn.Sequential(*layers)
    if orthogonal:
        for m in net:
            if isinstance(m, nn.Linear):
                nn.init.orthogonal_(m.weight)
                nn.init.zeros_(m.bias)
    return net


class Rms:
    """The reference's RunningMeanStd (float64, on the host)."""

    def __init__(self, dim):
        self.mean, self.var, self.count = torch.zeros(dim, dtype=torch.float64), torch.ones(dim, dtype=torch.float64), 1e-4

    def update(self, x):
        x = x.double()
        mean, var, n = x.mean(0), x.var(0, unbiased=False), x.shape[0]
        delta, total = mean - self.mean, self.count + n
        self.var = (self.var * self.count + var * n + delta**2 * self.count * n / total) / total
        self.mean = self.mean + delta * n / total
        self.count = total

    def scale(self):
        return torch.sqrt(self.var + 1e-5)


def nlp(u, mean, log_std):
    return (((u - mean) * torch.exp(-log_std)) ** 2 * 0.5 + log_std).sum(-1) + u.shape[-1] * HALF_LOG_2PI


def clip_step(opt, params):
    nn.utils.clip_grad_norm_(params, GRAD_NORM)
    opt.step()


class Epoch:
    def __init__(self, algo):
        torch.manual_seed(1)
        self.algo = algo
        self.actor = mlp(1, 2 * DIM, False)
        self.critic = mlp(1, 1, True)
        self.target = mlp(1, 1, True)
        self.target.load_state_dict(self.critic.state_dict())
        self.actor_params = list(self.actor.parameters())
        self.critic_params = list(self.critic.parameters())
        self.ppo_adam = torch.optim.Adam(self.actor_params, lr=ACTOR_LR, betas=(0.9, 0.999), eps=1e-8)
        self.alpha_adam = torch.optim.Adam(self.actor_params, lr=ALPHA_LR, betas=BETAS, eps=1e-8)
        self.critic_adam = torch.optim.Adam(self.critic_params, lr=CRITIC_LR, betas=BETAS, eps=1e-8)
        self.obs_rms, self.value_rms, self.bias_rms = Rms(1), Rms(1), Rms(1)
        self.alpha, self.lr_alpha, self.ppo_lr, self.epoch = 1e-5, ALPHA_LR, ACTOR_LR, 0

    def policy(self, obs):
        mean, log_std = self.actor(obs).split(DIM, 1)
        return mean, log_std

    def run(self):
        self.epoch += 1
        e = self.epoch
        if self.algo == "gippo":
            for g in self.critic_adam.param_groups:
                g["lr"] = CRITIC_LR + (LR_FINAL - CRITIC_LR) * e / MAX_EPOCHS
        n = ACTORS * HORIZON
        raw = torch.zeros(n, 1)
        obs = ((raw.double() - self.obs_rms.mean) / self.obs_rms.scale()).float()
        vmean, vscale = float(self.value_rms.mean[0]), float(self.value_rms.scale()[0])
        # Rollout (horizon 1: s' = s, a time-limit end keeps V(s')), GAE.
        grad = self.algo == "gippo"
        with torch.set_grad_enabled(grad):
            mean, log_std = self.policy(obs)
            noise = torch.randn(n, DIM)
            u = mean + torch.exp(log_std) * noise
            if grad:
                u.retain_grad()
            value = self.target(obs).reshape(-1) * vscale + vmean
            reward = -(torch.tanh(u) ** 2).sum(1) * 5.12**2
            advantages = reward + GAMMA * value - value
        if grad:
            advantages.sum().backward(inputs=[u])
            action_grad = u.grad.detach()
            for p in self.actor_params + list(self.target.parameters()):
                p.grad = None
        u, mean, log_std, advantages, value = u.detach(), mean.detach(), log_std.detach(), advantages.detach(), value.detach()
        normalised = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        nlp_old = nlp(u, mean, log_std)
        nlp_alpha = None
        if grad:
            nlp_alpha = self.alpha_step(obs, u, noise, log_std, nlp_old, advantages, action_grad)
        self.critic_update(obs, advantages + value)
        with torch.no_grad():
            for t, s in zip(self.target.parameters(), self.critic_params):
                t.mul_(TARGET_ALPHA).add_(s, alpha=1 - TARGET_ALPHA)
        self.ppo(obs, u, normalised, nlp_old, nlp_alpha)
        self.obs_rms.update(raw)

    def alpha_step(self, obs, u, noise, log_std_old, nlp_old, advantages, action_grad):
        targets = u + self.alpha * action_grad
        backup = [p.detach().clone() for p in self.actor_params]
        for g in self.alpha_adam.param_groups:
            g["lr"] = self.lr_alpha
        converged = False
        for _ in range(MAX_OPTIM_ITER):
            for k in range(ALPHA_ITERATIONS):
                mean, log_std = self.policy(obs)
                loss = ((mean + torch.exp(log_std) * noise - targets) ** 2).sum(1).mean()
                self.alpha_adam.zero_grad(set_to_none=True)
                loss.backward()
                clip_step(self.alpha_adam, self.actor_params)
                if k == 0:
                    l0 = loss.item()
                if k == ALPHA_ITERATIONS - 1:
                    l1 = loss.item()
            converged = l0 > l1
            if l0 < l1:
                with torch.no_grad():
                    for p, b in zip(self.actor_params, backup):
                        p.copy_(b)
                for g in self.alpha_adam.param_groups:
                    g["lr"] /= LR_MULTIPLIER
            else:
                for g in self.alpha_adam.param_groups:
                    g["lr"] = self.lr_alpha
                break
        with torch.no_grad():
            mean, log_std = self.policy(obs)
            log_det = (log_std - log_std_old).sum(1)
            nlp_alpha = nlp(u, mean, log_std)
            ratio = torch.exp(torch.clamp(nlp_old - nlp_alpha, max=16))
            oorr = ((ratio < 1 - E_CLIP) | (ratio > 1 + E_CLIP)).float().mean().item()
            stats = torch.stack([log_det.min().exp(), log_det.max().exp(), (advantages * (ratio - 1)).sum()]).tolist()
        det_min, det_max, bias = stats
        score = (bias - float(self.bias_rms.mean[0])) / float(self.bias_rms.scale()[0])
        self.bias_rms.update(torch.tensor([[bias]]))
        alpha, beta = self.alpha, 1.1
        nxt = alpha
        if not converged:
            self.lr_alpha = max(self.lr_alpha / LR_MULTIPLIER, 1e-5)
        elif det_min < 0.6 or det_max > 1.4:
            nxt = alpha / beta
        else:
            nxt = alpha * beta
        nxt = min(nxt, 1.0)
        if oorr > 0.5 or (bias < 0 and score < -1):
            nxt = min(alpha / beta, 1.0)
        self.alpha = nxt
        return nlp_alpha

    def critic_update(self, obs, targets):
        if True:  # normalizeValue
            self.value_rms.update(targets.reshape(-1, 1))
        mean, scale = float(self.value_rms.mean[0]), float(self.value_rms.scale()[0])
        size = obs.shape[0] // CRITIC_BATCHES
        for _ in range(CRITIC_ITERATIONS):
            for k in range(CRITIC_BATCHES):
                o, y = obs[k * size : (k + 1) * size], targets[k * size : (k + 1) * size]
                loss = ((self.critic(o).reshape(-1) * scale + mean - y) ** 2).mean()
                self.critic_adam.zero_grad(set_to_none=True)
                loss.backward()
                for p in self.critic_params:
                    torch.nan_to_num_(p.grad, nan=0.0)
                clip_step(self.critic_adam, self.critic_params)

    def ppo(self, obs, u, adv, nlp_old, nlp_alpha):
        # Horizon 1: actor-major order is the rollout order; one minibatch of 64.
        fallback = nlp_alpha is not None and bool(((nlp_old - nlp_alpha).abs() > 4).any())
        init = self.ppo_lr
        for _ in range(MAX_OPTIM_ITER):
            backup = [p.detach().clone() for p in self.actor_params]
            first, last = [], []
            for epoch in range(MINI_EPOCHS):
                mean, log_std = self.policy(obs)
                current = nlp(u, mean, log_std)
                if nlp_alpha is None:
                    ratio = torch.exp(torch.clamp(nlp_old - current, max=64))
                else:
                    behaviour = nlp_alpha if fallback else math.log(2) - torch.log1p(torch.exp(nlp_old - nlp_alpha)) + nlp_old
                    ratio = torch.exp(torch.clamp(behaviour - current, -16, 16))
                loss = torch.max(-adv * ratio, -adv * torch.clamp(ratio, 1 - E_CLIP, 1 + E_CLIP)).mean()
                self.ppo_adam.zero_grad(set_to_none=True)
                loss.backward()
                clip_step(self.ppo_adam, self.actor_params)
                for g in self.ppo_adam.param_groups:
                    g["lr"] = self.ppo_lr
                if epoch == 0:
                    first.append(loss.item())
                if epoch == MINI_EPOCHS - 1:
                    last.append(loss.item())
            failed = sum(first) / len(first) < sum(last) / len(last)
            if failed:
                with torch.no_grad():
                    for p, b in zip(self.actor_params, backup):
                        p.copy_(b)
                self.ppo_lr = init / LR_MULTIPLIER
                for g in self.ppo_adam.param_groups:
                    g["lr"] = self.ppo_lr
            else:
                self.ppo_lr = init
                break


def ms_per_epoch(algo, epochs):
    run = Epoch(algo)
    for _ in range(3):
        run.run()
    t0 = time.perf_counter()
    for _ in range(epochs):
        run.run()
    return (time.perf_counter() - t0) * 1000 / epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algos", default="gippo,ppo")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    reference = []
    for algo in args.algos.split(","):
        if algo not in ("gippo", "ppo"):
            continue
        best = min(ms_per_epoch(algo, args.epochs) for _ in range(args.repeats))
        reference.append({"impl": "torch", "algo": algo, "threads": args.threads, "ms_per_epoch": round(best, 2)})
    print(json.dumps({"torch": torch.__version__, "reference": reference}))


if __name__ == "__main__":
    main()
