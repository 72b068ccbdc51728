"""K independent 2D GAN runs trained as one stacked model.

One GAN run is an anecdote; the book's claims need seeds and sweeps. Here K runs of the same
shape are trained together: every layer's weights are stacked into a (K, out, in) tensor and
applied with one batched matrix product, so K runs cost K times the arithmetic but only one
set of Python and kernel-launch overheads. On a GPU that makes K small models nearly free; on
a 2-core CPU, where the default setting is already compute-bound, the gain is smaller (see
benchmarks/bench_batched.py).

Runs may differ in seed, learning rates, regulariser weights and the D:G ratio. Each run keeps
its own random stream, drawn in the same order as `Trainer` draws it, so run k of a batched
run reproduces `Trainer(configs[k])` up to floating-point rounding (tests/test_batched.py).
Runs with fewer discriminator (or generator) updates than the largest ratio in the batch are
masked out of the extra updates: their parameters and optimiser moments do not move.
"""

from __future__ import annotations

import math
import time

import torch
from torch.func import vmap

from gan_toy.allocator import retain_freed_memory
from gan_toy.config import ConfigError, TrainConfig
from gan_toy.data import make_mixture
from gan_toy.devices import resolve_device
from gan_toy.history import STAT_NAMES, History
from gan_toy.losses import get_loss
from gan_toy.nets import make_discriminator, make_generator
from gan_toy.regularizers import (
    clip_weights,
    noise_fraction,
    penalty_weights,
    total_penalty,
)
from gan_toy.stacked import (
    RunStreams,
    StackedOptimizer,
    by_run,
    squared_norms,
    stack_linear_layers,
    stacked_mlp,
    where_active,
)
from gan_toy.train import CHECK_EVERY
from gan_toy.unrolled import adam_unroll

# Settings every run of a batch must share (they fix shapes or the code path).
SHARED = (
    *("data", "z_dim", "hidden", "loss", "steps", "batch_size", "simultaneous", "optimizer"),
    *("betas", "clip", "unroll", "unroll_order", "device", "eval_samples"),
)


class BatchedTrainer:
    """Train `configs` (K runs of one shape) together; `fit()` returns one History per run."""

    def __init__(self, configs: list[TrainConfig]):
        if not configs:
            raise ConfigError("BatchedTrainer needs at least one config")
        self.configs = [c.validate() for c in configs]
        first = self.configs[0]
        for c in self.configs[1:]:
            for name in SHARED:
                if getattr(c, name) != getattr(first, name):
                    raise ConfigError(
                        f"runs of one batch must share {name!r}: {getattr(first, name)!r} vs "
                        f"{getattr(c, name)!r}; shared settings: {', '.join(SHARED)}"
                    )
        self.loss = get_loss(first.loss)
        self.regs = [self.loss.regularizers(c.regs) for c in self.configs]
        if any(r.get("sn", 0) > 0 for r in self.regs):
            raise ConfigError("regulariser 'sn' (spectral norm) is not supported in batched runs")
        self.K = len(configs)
        self.config = first
        self.device = resolve_device(first.device)
        if self.device.type == "cpu":
            retain_freed_memory()
        self.source = make_mixture(first.data, self.device)
        self.output_kind = self.loss.output_kind

        gens, discs = [], []
        for c in self.configs:  # the same initialisation as Trainer, run by run
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(c.seed)
                gens.append(make_generator(c.z_dim, c.hidden))
                discs.append(make_discriminator(2, c.hidden))
        self.g_params = [p.to(self.device).requires_grad_() for p in stack_linear_layers(gens)]
        self.d_params = [p.to(self.device).requires_grad_() for p in stack_linear_layers(discs)]

        def per_run(name):
            return torch.tensor([float(getattr(c, name)) for c in self.configs], device=self.device)

        kind, betas = first.optimizer, tuple(first.betas)
        self.opt_g = StackedOptimizer(self.g_params, kind, per_run("lr_g"), betas)
        self.opt_d = StackedOptimizer(self.d_params, kind, per_run("lr_d"), betas)
        self.unroll_lr = torch.tensor(
            [c.unroll_lr or c.lr_d for c in self.configs], device=self.device
        )
        self.d_steps = [c.d_steps for c in self.configs]
        self.g_steps = [c.g_steps for c in self.configs]
        names = sorted({n for r in self.regs for n in r})
        self.weights = {
            n: torch.tensor([r.get(n, 0.0) for r in self.regs], device=self.device) for n in names
        }
        self.penalty_weights = penalty_weights(self.weights)
        self.streams = RunStreams([c.seed for c in self.configs], self.device)
        self.step = 0
        self._stats = torch.zeros(first.steps, self.K, len(STAT_NAMES), device=self.device)
        self.steps_per_second = math.nan  # wall clock, of the last fit() call
        self.cpu_seconds = 0.0  # CPU seconds of this process inside fit(), all calls together
        # A run that diverges is frozen at its last finite state while the others train on:
        # run k -> (first bad step, the quantity that went non-finite).
        self.diverged: dict[int, tuple[int, str]] = {}
        self._checked = 0
        self._last_good = self._snapshot()

    def _noise_std(self) -> torch.Tensor:
        """(K,): each run's instance-noise std at this step (0 for runs without noise)."""
        if "noise" not in self.weights:
            return torch.zeros(self.K, device=self.device)
        return self.weights["noise"] * noise_fraction(self.step, self.config.steps)

    # --- the players ------------------------------------------------------------------------------
    def generate(self, z: torch.Tensor, params=None) -> torch.Tensor:
        return stacked_mlp(params or self.g_params, z)

    def discriminate(self, x: torch.Tensor, params=None) -> torch.Tensor:
        return stacked_mlp(params or self.d_params, x)

    def _penalty(self, d_params, real, fake, eps) -> torch.Tensor | float:
        """(K,): w_run · penalty_run summed over regularisers, each over its own run's samples."""
        K, B = self.K, real.shape[1]

        def d_flat(x):  # the penalties see (K·B, 2) samples; D needs them run by run
            return self.discriminate(x.view(K, -1, 2), d_params).reshape(-1, 1)

        def per_run_mean(values):
            return values.view(K, -1).mean(dim=1)

        return total_penalty(
            self.penalty_weights,
            d_flat,
            real.reshape(K * B, 2),
            fake.reshape(K * B, 2),
            params=d_params,
            eps=None if eps is None else eps.reshape(K * B, 1),
            reduce=per_run_mean,
            per_run=True,
        )

    def _d_loss(self, d_params, real, fake, eps):
        """Summed D loss over runs (each run's gradient is its own) and per-run outputs."""
        B = real.shape[1]
        out = self.discriminate(torch.cat([real, fake], dim=1), d_params)
        real_out, fake_out = out[:, :B], out[:, B:]
        per_run = vmap(self.loss.d_loss)(real_out, fake_out)
        if self.penalty_weights:  # logged with the penalty, as Trainer logs it
            per_run = per_run + self._penalty(d_params, real, fake, eps)
        return per_run.sum(), per_run, real_out, fake_out

    def _runs_with(self, name: str, runs) -> list[int]:
        """The runs among `runs` whose weight for regulariser `name` is > 0 (Trainer draws the
        regulariser's random numbers only then, so neither may we)."""
        weights = self.weights.get(name)
        return [] if weights is None else [k for k in runs if weights[k] > 0]

    def _gp_eps(self, runs):
        gp_runs = self._runs_with("gp", runs)
        if not gp_runs:
            return None
        return self.streams.uniform(gp_runs, self.config.batch_size, 1)

    def _summary(self, out: torch.Tensor) -> torch.Tensor:
        return self.loss.reported(out.detach().squeeze(-1)).mean(dim=1)

    def _g_loss(self, real, fake) -> torch.Tensor:
        """Per-run generator loss (K,), through k unrolled D steps when configured."""
        cfg = self.config
        d_params = self.d_params
        if cfg.unroll > 0:
            d_params = self._unrolled_d_params(real, fake)
        else:  # G's backward needs no gradient of D's weights (see NarrowLinear)
            d_params = self._detached_d()
        return vmap(self.loss.g_loss)(self.discriminate(fake, d_params))

    def _unrolled_d_params(self, real, fake):
        cfg = self.config
        fake_in = fake if cfg.unroll_order == 2 else fake.detach()
        start = [p.detach().requires_grad_(True) for p in self.d_params]

        def d_loss(params):
            return self._d_loss(params, real, fake_in, self._gp_eps(range(self.K)))[0]

        opt = self.opt_d
        return adam_unroll(
            start,
            d_loss,
            cfg.unroll,
            lr=self.unroll_lr,
            betas=opt.betas if opt.kind == "adam" else None,
            eps=opt.eps,
            exp_avg=opt.exp_avg,
            exp_avg_sq=opt.exp_avg_sq,
            t0=opt.t,
            create_graph=cfg.unroll_order == 2,
            clip=cfg.clip,
        )

    # --- one step -----------------------------------------------------------------------------
    def train_step(self) -> None:
        if self.config.simultaneous:
            self._simultaneous_step()
        else:
            self._alternating_step()
        self.step += 1

    def _simultaneous_step(self) -> None:
        # Both players' gradients at the same point, as Trainer._simultaneous_step.
        K, B, zd = self.K, self.config.batch_size, self.config.z_dim
        runs = self._live(range(K))
        everyone = self._mask(runs)
        noise = self._noise_std()
        fake = self.generate(self.streams.normal(runs, B, zd))
        real = self.streams.sample(runs, self.source, B)
        noisy = self._runs_with("noise", runs)
        if noisy:
            real = real + by_run(noise, real) * self.streams.normal(noisy, B, 2)
            fake = fake + by_run(noise, fake) * self.streams.normal(noisy, B, 2)
        total, d_loss, real_out, fake_out = self._d_loss(
            self.d_params, real, fake.detach(), self._gp_eps(runs)
        )
        g_loss = vmap(self.loss.g_loss)(self.discriminate(fake, self._detached_d()))
        g_grads = torch.autograd.grad(g_loss.sum(), self.g_params)
        d_grads = torch.autograd.grad(total, self.d_params)
        self.opt_d.step(d_grads, everyone)
        self.opt_g.step(g_grads, everyone)
        clip_weights(self.d_params, self.config.clip)
        g_norm = squared_norms(g_grads).sqrt()
        self._record(d_loss, g_loss.detach(), real_out, fake_out, g_norm)

    def _record(self, d_loss, g_loss, real_out, fake_out, g_norm) -> None:
        row = [d_loss.detach(), g_loss, self._summary(real_out), self._summary(fake_out), g_norm]
        self._stats[self.step] = torch.stack(row, dim=1)

    def _alternating_step(self) -> None:
        cfg = self.config
        K, B, zd = self.K, cfg.batch_size, cfg.z_dim
        noise = self._noise_std()
        max_d = max(self.d_steps)
        for i in range(max_d):
            runs = self._live(k for k in range(K) if i >= max_d - self.d_steps[k])
            active = self._mask(runs)
            z = self.streams.normal(runs, B, zd)
            real = self.streams.sample(runs, self.source, B)
            keep_graph = i == max_d - 1 and max(self.g_steps) > 0
            with torch.set_grad_enabled(keep_graph):
                fake = self.generate(z)
            noisy = self._runs_with("noise", runs)
            if noisy:
                real = real + by_run(noise, real) * self.streams.normal(noisy, B, 2)
                noisy_fake = fake + by_run(noise, fake) * self.streams.normal(noisy, B, 2)
            else:
                noisy_fake = fake
            eps = self._gp_eps(runs)
            total, d_loss, real_out, fake_out = self._d_loss(
                self.d_params, real, noisy_fake.detach(), eps
            )
            grads = torch.autograd.grad(total, self.d_params)
            self.opt_d.step(grads, active)
            clip_weights(self.d_params, self.config.clip)
        g_loss = g_norm = torch.zeros(K, device=self.device)
        for j in range(max(self.g_steps)):
            runs = self._live(k for k in range(K) if j < self.g_steps[k])
            active = self._mask(runs)
            if j > 0:
                z = self.streams.normal(runs, B, zd)
                fake = self.generate(z)
            noisy = self._runs_with("noise", runs)
            if noisy:
                fake = fake + by_run(noise, fake) * self.streams.normal(noisy, B, 2)
            per_run = self._g_loss(real, fake)
            grads = torch.autograd.grad(per_run.sum(), self.g_params)
            norm_sq = squared_norms(grads)
            self.opt_g.step(grads, active)
            g_loss = where_active(active, per_run.detach(), g_loss)
            g_norm = where_active(active, norm_sq.sqrt(), g_norm)
        self._record(d_loss, g_loss, real_out, fake_out, g_norm)

    def _live(self, runs) -> list[int]:
        """The runs among `runs` that have not diverged."""
        return [k for k in runs if k not in self.diverged]

    def _mask(self, runs) -> torch.Tensor | None:
        """(K,) 1 for `runs`, 0 for the others; None when every run is in `runs`."""
        runs = list(runs)
        if len(runs) == self.K:
            return None
        active = torch.zeros(self.K, device=self.device)
        active[runs] = 1.0
        return active

    def _detached_d(self) -> list[torch.Tensor]:
        return [p.detach() for p in self.d_params]

    # --- the loop and results ------------------------------------------------------------------
    def fit(self, until: int | None = None) -> list[History]:
        """Train to `until` steps (default: config.steps) and return one History per run.

        A run whose statistics or weights become NaN/Inf is frozen at its last finite state
        (checked every CHECK_EVERY steps) and reported by `run_status()`; the others go on.
        """
        until = self.config.steps if until is None else min(until, self.config.steps)
        start_step, start, start_cpu = self.step, time.perf_counter(), time.process_time()
        while self.step < until:
            self.train_step()
            if self.step % CHECK_EVERY == 0 or self.step == until:
                self._check_finite()
        elapsed = time.perf_counter() - start
        if self.step > start_step and elapsed > 0:
            self.steps_per_second = (self.step - start_step) / elapsed
        self.cpu_seconds += time.process_time() - start_cpu
        return self.histories

    def _state(self) -> list[torch.Tensor]:
        """Every stacked tensor a run's state lives in (dimension 0 indexes the runs)."""
        moments = [*self.opt_g.exp_avg, *self.opt_g.exp_avg_sq]
        moments += [*self.opt_d.exp_avg, *self.opt_d.exp_avg_sq]
        return [*self.g_params, *self.d_params, *moments, self.opt_g.t, self.opt_d.t]

    def _snapshot(self) -> list[torch.Tensor]:
        return [t.detach().clone() for t in self._state()]

    def _check_finite(self) -> None:
        """Freeze every live run that went non-finite since the last check, at its state then."""
        if self.step == self._checked:
            return
        rows = torch.isfinite(self._stats[self._checked : self.step]).all(dim=2)  # (steps, K)
        weights = torch.stack([p.detach().flatten(1).isfinite().all(1) for p in self._state()[:-2]])
        weights_ok = weights.all(dim=0).tolist()
        for k in self._live(range(self.K)):
            bad_rows = (~rows[:, k]).nonzero()
            if len(bad_rows):
                row = int(bad_rows[0])
                col = int((~torch.isfinite(self._stats[self._checked + row, k])).nonzero()[0])
                self.diverged[k] = (self._checked + row + 1, STAT_NAMES[col])
            elif not weights_ok[k]:
                self.diverged[k] = (self.step, "a network weight")
            else:
                continue
            with torch.no_grad():
                for current, saved in zip(self._state(), self._last_good):
                    current[k] = saved[k]
        self._checked = self.step
        self._last_good = self._snapshot()

    def run_status(self) -> list[dict]:
        """Per run: "ok" or "diverged", the steps it completed (or its first bad step) and the
        quantity that went non-finite."""
        return [
            {"status": "diverged", "step": self.diverged[k][0], "quantity": self.diverged[k][1]}
            if k in self.diverged
            else {"status": "ok", "step": self.step, "quantity": None}
            for k in range(self.K)
        ]

    @property
    def histories(self) -> list[History]:
        """One History per run; a diverged run's ends at the step before it diverged."""
        stats = self._stats[: self.step].cpu().numpy()
        ends = [self.diverged[k][0] - 1 if k in self.diverged else self.step for k in range(self.K)]
        return [History(stats[: ends[k], k], [], self.output_kind) for k in range(self.K)]

    @torch.no_grad()
    def sample(self, n: int = 2500, seed: int = 1234) -> torch.Tensor:
        """(K, n, 2): each run's samples from the same fixed latent batch as Trainer.sample."""
        gen = torch.Generator(device=self.device)
        gen.manual_seed(seed)
        z = torch.randn(n, self.config.z_dim, device=self.device, generator=gen)
        return self.generate(z.expand(self.K, -1, -1).contiguous())

    def evaluate(self, n: int | None = None) -> list[dict]:
        """Mode metrics of every run, in config order."""
        samples = self.sample(n or self.config.eval_samples)
        return [self.source.evaluate(s) for s in samples]
