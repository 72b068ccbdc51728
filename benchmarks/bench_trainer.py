"""Per-step cost of gan_toy's trainer against a plain hand-written PyTorch loop.

Both train the same setting (default ring: MLPs 256→128→128→2 / 2→128→128→1, batch 512,
Adam, non-saturating loss) in the same process. They take turns in several rounds, and the
median of each side is compared, so a busy neighbour on the machine slows both alike.

    python benchmarks/bench_trainer.py                 # CPU, default setting
    python benchmarks/bench_trainer.py --device cuda --steps 2000 --rounds 5

Prints steps per second for each and the ratio trainer / plain (> 1: the trainer is faster).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from gan_toy import TrainConfig, Trainer
from gan_toy.nets import make_discriminator, make_generator


def plain_loop(config: TrainConfig, device: torch.device):
    """The textbook loop: fresh z for each player, backward through everything."""
    torch.manual_seed(config.seed)
    G = make_generator(config.z_dim, config.hidden).to(device)
    D = make_discriminator(2, config.hidden).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=config.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=config.betas)
    trainer_for_data = Trainer(config.replace(steps=1))
    mixture = trainer_for_data.mixture
    n = config.batch_size

    def step():
        real = mixture.sample(n)
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


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(step, steps: int, device) -> float:
    """Steps per second of `step()` called `steps` times (after a short warm-up)."""
    for _ in range(20):
        step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    return steps / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    config = TrainConfig(steps=args.steps * args.rounds + 100, device=args.device)
    trainer = Trainer(config)
    device = trainer.device
    plain_step = plain_loop(config, device)
    ours, plain = [], []
    for _ in range(args.rounds):
        ours.append(time_steps(trainer.train_step, args.steps, device))
        plain.append(time_steps(plain_step, args.steps, device))
        trainer.step = 0  # reuse the stats buffer; only speed is measured here
    ours_med, plain_med = statistics.median(ours), statistics.median(plain)
    print(f"device {device}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"setting: ring, batch {config.batch_size}, {args.rounds} rounds of {args.steps} steps")
    print(f"{'':14}{'steps/s (median)':>18}{'min':>10}{'max':>10}")
    print(f"{'gan_toy':14}{ours_med:18.1f}{min(ours):10.1f}{max(ours):10.1f}")
    print(f"{'plain loop':14}{plain_med:18.1f}{min(plain):10.1f}{max(plain):10.1f}")
    print(f"ratio gan_toy / plain: {ours_med / plain_med:.2f}")


if __name__ == "__main__":
    main()
