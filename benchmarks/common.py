"""What the speed benchmarks share: the plain PyTorch loop they compare against, a step timer,
and the command-line options for the machine (rounds, device, threads)."""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from gan_toy import TrainConfig


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so that a timer reads the work done and not just launched."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def rate(step, steps: int, device: torch.device, warmup: int = 3) -> tuple[float, float]:
    """(steps per second of wall time, of this process's CPU time) of `step()` called `steps`
    times after `warmup` untimed calls. The CPU rate is less sensitive to other jobs."""
    for _ in range(warmup):
        step()
    sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    sync(device)
    return steps / (time.perf_counter() - wall), steps / (time.process_time() - cpu)


def plain_loop(G, D, sample, config: TrainConfig, device: torch.device):
    """One step of the textbook loop (non-saturating loss, Adam, fresh z for each player,
    backward through everything) on the given nets; `sample(n)` draws real data.
    Returns the step function."""
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=config.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=config.betas)
    n = config.batch_size

    def step():
        real = sample(n)
        fake = G(torch.randn(n, config.z_dim, device=device)).detach()
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(n, config.z_dim, device=device)))).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        # what the trainer records per step, so both do the same bookkeeping
        return d_loss.detach(), g_loss.detach()

    return step


def add_machine_options(parser: argparse.ArgumentParser, rounds: int) -> None:
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")


def parse(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse the options and apply --threads."""
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    return args
