"""Training: one discriminator step, one generator step, the loop around them, and train().

The same loop trains the 2D GANs and the MNIST ones: the config picks the real-data source
(data/sources.py), which also scores generated samples, and the nets (nets.py); nothing below
depends on whether a sample is a point or an image.

A step is `d_steps` discriminator updates followed by `g_steps` generator updates (or, with
`simultaneous=True`, one update of each computed from the same point). The loop is plain and
visible; everything else (progress bars, live plots, evaluation over time, checkpoints) hangs
off it as callbacks, so the loop knows nothing about them.

One cost the textbook loop pays twice is saved: the fake batch of the last discriminator update
is generated with its graph kept and reused for the first generator update (the generator has
not changed in between), so a step costs one generator forward instead of two. The generator's
backward asks autograd for G's gradients only, so no work is spent on D's weight gradients.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterable

import torch

from gan_toy.allocator import retain_freed_memory
from gan_toy.config import ConfigError, TrainConfig
from gan_toy.data.sources import make_source
from gan_toy.devices import float32_precision, resolve_device
from gan_toy.history import STAT_NAMES, History
from gan_toy.losses import get_loss
from gan_toy.memory import SAMPLE_CHUNK
from gan_toy.nets import make_nets
from gan_toy.regularizers import (
    apply_spectral_norm,
    clip_weights,
    instance_noise_std,
    penalty_weights,
    total_penalty,
)
from gan_toy.unrolled import unrolled_generator_loss

# How often (in steps) the loop checks for NaN/Inf, at the latest (it also checks before every
# callback it calls); the failing step is still found exactly.
CHECK_EVERY = 25


class DivergenceError(RuntimeError):
    """A loss, gradient or weight became NaN or Inf. `.step` is the first bad step and
    `.history` the record of every step before it; the trainer is rolled back to the last check
    at which everything was finite (its `step` says which), so it can be saved or scored."""

    def __init__(self, step: int, quantity: str, history: History):
        super().__init__(
            f"training diverged at step {step}: {quantity} became NaN or Inf. "
            "Try a smaller learning rate or a regulariser; the history up to step "
            f"{step - 1} is attached as .history"
        )
        self.step = step
        self.quantity = quantity  # what went non-finite: a statistic's name or "a network weight"
        self.history = history


class StopTraining(Exception):
    """Raise from a callback (or set `trainer.stop_requested`) to end training early."""


def make_optimizer(params, config: TrainConfig, lr: float) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        beta1, beta2 = config.betas
        return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2))
    return torch.optim.SGD(params, lr=lr)


class Trainer:
    """Holds one run: data, both networks, their optimisers, the random stream and the record.

    `Trainer(config).fit()` trains to `config.steps`; `fit(until=...)` trains part of the way
    and can be called again (that is how checkpoints resume).

    `source` is where real batches come from and what scores the generator's samples (for 2D
    data the GaussianMixture itself, for images an MNIST source with its classifier).
    """

    def __init__(self, config: TrainConfig):
        if not isinstance(config, TrainConfig):
            raise ConfigError(
                f"Trainer needs a TrainConfig, got {config!r} ({type(config).__name__}); "
                "e.g. Trainer(TrainConfig(data='ring'))"
            )
        config = config.validate()
        self.device = resolve_device(config.device)
        if self.device.type == "cpu":
            retain_freed_memory()  # allocator.py: large graphs (unrolling) page-fault otherwise
        self.source = make_source(config, self.device)
        # Record what the source settled on (which MNIST "auto" found), so that a checkpoint
        # resumes on the same data and the results say what was used.
        config = self.config = config.replace(**self.source.settings())
        self.loss = get_loss(config.loss)
        self.regs = self.loss.regularizers(config.regs)
        self.output_kind = self.loss.output_kind

        # Initialise on the CPU under the run's seed, without touching the global RNG, so the
        # same seed gives the same starting networks on every device.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            g, d = make_nets(config)
            if self.regs.get("sn", 0) > 0:
                apply_spectral_norm(d)
        self.G, self.D = g.to(self.device), d.to(self.device)
        self.g_params = list(self.G.parameters())
        self.opt_g = make_optimizer(self.g_params, config, config.lr_g)
        self.opt_d = make_optimizer(self.D.parameters(), config, config.lr_d)
        self.penalties = penalty_weights(self.regs)

        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(config.seed)
        self.step = 0  # completed steps
        self._stats = torch.zeros(config.steps, len(STAT_NAMES), device=self.device)
        self.evals: list[dict] = []
        self.stop_requested = False
        self.steps_per_second = math.nan  # wall clock, of the last fit() call
        # CPU seconds of this process (all its threads) inside fit(), every call together and
        # callbacks included: a cost that does not grow with other work on the machine.
        self.cpu_seconds = 0.0
        self._checked = 0
        self._last_good = self._snapshot()

    # --- sampling -----------------------------------------------------------------------------
    def _z(self, n: int | None = None) -> torch.Tensor:
        n = self.config.batch_size if n is None else n
        return torch.randn(n, self.config.z_dim, device=self.device, generator=self.rng)

    def _real(self) -> torch.Tensor:
        return self.source.sample(self.config.batch_size, generator=self.rng)

    def _noisy(self, x: torch.Tensor, std: float) -> torch.Tensor:
        if std == 0:
            return x
        return x + std * torch.randn(x.shape, device=x.device, generator=self.rng)

    @torch.no_grad()
    def sample(self, n: int = 2500, seed: int = 1234) -> torch.Tensor:
        """n generator samples from a fixed latent batch (its own stream: training is unaffected).

        The same `seed` gives the same z at every call, so snapshots over training show the
        generator moving rather than resampling noise.
        """
        gen = torch.Generator(device=self.device)
        gen.manual_seed(seed)
        z = torch.randn(n, self.config.z_dim, device=self.device, generator=gen)
        with float32_precision(self.device, self.config.tf32):
            return torch.cat([self.G(part) for part in z.split(SAMPLE_CHUNK)])

    def evaluate(self, n: int | None = None, extras: bool = False) -> dict:
        """The source's metrics of `n` samples (default config.eval_samples).

        2D: modes covered, high-quality fraction and reverse KL against the true mixture.
        Images: the same keys as the classifier sees the samples (metrics.label_metrics), and
        with `extras=True` the Fréchet distance to as many real images in its features.
        """
        return self.source.evaluate(self.sample(n or self.config.eval_samples), extras=extras)

    # --- the two players' updates -----------------------------------------------------------
    def _d_summary(self, out: torch.Tensor) -> torch.Tensor:
        return self.loss.reported(out.detach()).mean()

    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor):
        """D's loss (with penalties) on one batch, and its outputs on real and fake."""
        out = self.D(torch.cat([real, fake]))
        real_out, fake_out = out[: real.shape[0]], out[real.shape[0] :]
        loss = self.loss.d_loss(real_out, fake_out)
        if self.penalties:
            loss = loss + self._penalty(self.D, real, fake, list(self.D.parameters()))
        return loss, real_out, fake_out

    def _penalty(self, d_fn, real, fake, params):
        return total_penalty(self.penalties, d_fn, real, fake, params=params, rng=self.rng)

    def d_step(self, real: torch.Tensor, fake: torch.Tensor):
        """One discriminator update on (real, fake); fake must be detached from G."""
        loss, real_out, fake_out = self._d_loss(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        clip_weights(self.D.parameters(), self.config.clip)
        return loss.detach(), self._d_summary(real_out), self._d_summary(fake_out)

    def _g_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        if cfg.unroll == 0:
            return self.loss.g_loss(self.D(fake))
        return unrolled_generator_loss(
            self.D,
            self.opt_d,
            self.loss,
            real,
            fake,
            cfg.unroll,
            cfg.unroll_order,
            cfg.unroll_lr,
            penalty_fn=self._penalty if self.penalties else None,
            clip=cfg.clip,
        )

    def _set_g_grads(self, loss: torch.Tensor) -> torch.Tensor:
        grads = torch.autograd.grad(loss, self.g_params)
        for p, g in zip(self.g_params, grads):
            p.grad = g
        return torch.nn.utils.get_total_norm(grads)

    def g_step(self, real: torch.Tensor, fake: torch.Tensor):
        """One generator update; `fake` must carry G's graph. Returns (loss, gradient norm)."""
        loss = self._g_loss(real, fake)
        norm = self._set_g_grads(loss)
        self.opt_g.step()
        return loss.detach(), norm

    # --- one step -------------------------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.config
        noise = instance_noise_std(self.regs, self.step, cfg.steps)
        if cfg.simultaneous:
            row = self._simultaneous_step(noise)
        else:
            row = self._alternating_step(noise)
        self._stats[self.step] = torch.stack(row)
        self.step += 1

    def _alternating_step(self, noise: float):
        cfg = self.config
        for i in range(cfg.d_steps):
            keep_graph = i == cfg.d_steps - 1 and cfg.g_steps > 0
            with torch.set_grad_enabled(keep_graph):
                fake = self.G(self._z())
            real = self._noisy(self._real(), noise)
            d_loss, d_real, d_fake = self.d_step(real, self._noisy(fake.detach(), noise))
        g_loss = g_norm = torch.zeros((), device=self.device)
        for j in range(cfg.g_steps):
            if j > 0:
                fake = self.G(self._z())
            g_loss, g_norm = self.g_step(real, self._noisy(fake, noise))
        return [d_loss, g_loss, d_real, d_fake, g_norm]

    def _simultaneous_step(self, noise: float):
        # Both gradients are taken at the same (G, D) before either player moves.
        fake = self.G(self._z())
        real = self._noisy(self._real(), noise)
        noisy_fake = self._noisy(fake, noise)
        d_loss, real_out, fake_out = self._d_loss(real, noisy_fake.detach())
        g_loss = self.loss.g_loss(self.D(noisy_fake))
        g_norm = self._set_g_grads(g_loss)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        self.opt_g.step()
        clip_weights(self.D.parameters(), self.config.clip)
        summary = self._d_summary
        return [d_loss.detach(), g_loss.detach(), summary(real_out), summary(fake_out), g_norm]

    # --- the loop ---------------------------------------------------------------------------
    def fit(self, callbacks=(), until: int | None = None) -> History:
        """Train until `until` steps are done (default: config.steps) and return the History.

        Callbacks may define `on_train_begin(trainer)`, `on_step_end(trainer)` (called every
        `callback.every` steps, default 1) and `on_train_end(trainer)`. Raising StopTraining
        or setting `trainer.stop_requested` ends training early, keeping everything trained.
        """
        until = self.config.steps if until is None else min(until, self.config.steps)
        callbacks = list(callbacks)
        self.stop_requested = False
        for cb in callbacks:
            getattr(cb, "on_train_begin", lambda t: None)(self)
        stepped = [(cb, getattr(cb, "every", 1)) for cb in callbacks if hasattr(cb, "on_step_end")]
        start_step, start_time, start_cpu = self.step, time.perf_counter(), time.process_time()
        try:
            with float32_precision(self.device, self.config.tf32):
                while self.step < until and not self.stop_requested:
                    self.train_step()
                    due = [cb for cb, every in stepped if self.step % every == 0]
                    # Callbacks save and evaluate: they must never see a diverged state.
                    if due or self.step % CHECK_EVERY == 0 or self.step == until:
                        self._check_finite()
                    for cb in due:
                        cb.on_step_end(self)
        except StopTraining:
            pass
        finally:
            elapsed = time.perf_counter() - start_time
            if self.step > start_step and elapsed > 0:
                self.steps_per_second = (self.step - start_step) / elapsed
            self.cpu_seconds += time.process_time() - start_cpu
        self._check_finite()
        for cb in callbacks:
            getattr(cb, "on_train_end", lambda t: None)(self)
        return self.history

    def _check_finite(self) -> None:
        """Raise DivergenceError at the first non-finite step since the last check, after
        rolling the whole run (networks, optimisers, random stream, step) back to that check.

        A step is bad when a statistic it recorded is NaN/Inf, or, for the last step, when its
        update left a non-finite weight behind (the loss that would show it comes a step later).
        """
        if self.step == self._checked:
            return
        finite = torch.isfinite(self._stats[self._checked : self.step])
        weights_ok = torch.stack([p.isfinite().all() for p in self._parameters()]).all()
        if bool(finite.all()) and bool(weights_ok):
            self._checked = self.step
            self._last_good = self._snapshot()
            return
        if bool(finite.all()):
            bad_step, quantity = self.step, "a network weight"
        else:
            bad_row, bad_col = (~finite).nonzero()[0].tolist()
            bad_step, quantity = self._checked + bad_row + 1, STAT_NAMES[bad_col]
        history = History(self._stats[: bad_step - 1].cpu().numpy(), self.evals, self.output_kind)
        self._restore(self._last_good)
        raise DivergenceError(bad_step, quantity, history)

    def _parameters(self) -> list[torch.Tensor]:
        return [*self.G.parameters(), *self.D.parameters()]

    def _run_state(self) -> dict:
        """Where the run stands: networks, optimisers, random stream and step (references)."""
        return {
            "step": self.step,
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": self.rng.get_state(),
        }

    def _snapshot(self) -> dict:
        """A copy of `_run_state()`, for a rollback."""
        return copy.deepcopy(self._run_state())

    def _restore(self, state: dict) -> None:
        """Put the run back where `state` (a `_run_state()`) says it stood."""
        state = copy.deepcopy(state)  # the optimisers keep references to what they load
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.rng.set_state(state["rng"])
        self.step = self._checked = int(state["step"])
        self.evals = [e for e in self.evals if e["step"] <= self.step]

    def last_stats(self) -> dict[str, float]:
        """The statistics of the last completed step by name (STAT_NAMES), as floats."""
        if self.step == 0:
            return {}
        return dict(zip(STAT_NAMES, self._stats[self.step - 1].tolist()))

    @property
    def history(self) -> History:
        """Everything recorded so far (copies from the device: call it every few dozen steps,
        not every step)."""
        stats = self._stats[: self.step].cpu().numpy()
        return History(stats, self.evals, self.output_kind)

    # --- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue this run bit-for-bit (plain tensors and containers, so
        it loads with torch.load(weights_only=True))."""
        return {
            "format": 1,
            "config": self.config.to_dict(),
            **self._run_state(),
            "stats": self._stats[: self.step].cpu(),
            "evals": self.evals,
        }

    def load_state_dict(self, state: dict) -> None:
        self.evals = list(state["evals"])
        self._restore(state)
        self._stats[: self.step] = state["stats"].to(self.device)
        self._last_good = self._snapshot()


def train(
    config: TrainConfig | None = None, callbacks: Iterable[object] = (), **overrides: object
) -> Trainer:
    """Train one GAN to `config.steps` and return the trained Trainer (`.history` is its record).

    `train(TrainConfig(loss="minimax"))` or `train(loss="minimax", steps=2000)`.
    """
    if config is not None and not isinstance(config, TrainConfig):
        raise ConfigError(
            f"train() takes a TrainConfig, got {config!r} ({type(config).__name__}); "
            f"e.g. train(TrainConfig(data='ring')) or train(data='ring')"
        )
    config = (config or TrainConfig()).replace(**overrides)
    trainer = Trainer(config)
    trainer.fit(callbacks)
    return trainer
