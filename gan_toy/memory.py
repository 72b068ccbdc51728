"""How much memory a run needs, and how much this machine has: the sizes TrainConfig refuses.

The estimate is deliberately simple and errs high; it exists so that a typo such as
`--batch 1000000000` is refused at once with a number, not after minutes of allocation.
"""

from __future__ import annotations

import os
from decimal import Decimal

_FLOAT = 4  # bytes of a float32
# Samples are generated this many at a time, to bound memory (26,000 Stacked MNIST samples
# through a DCGAN would need gigabytes at once; 2,500 points are one chunk).
SAMPLE_CHUNK = 2500
_UNKNOWN_MEMORY = 2**40  # 1 TiB where the system does not say how much it has


def net_sizes(config) -> tuple[int, int, int, int]:
    """(weights of G and D, floats G and D keep per sample in a forward pass, floats per sample
    of the data), counting the layer outputs of nets.py; biases are left out."""
    z, h = config.z_dim, config.hidden
    if not config.is_image:  # G: z → h → h → 2, D: 2 → h → h → 1, a ReLU after each hidden
        return z * h + h * h + 2 * h + 2 * h + h * h + h, z + 4 * h + 2, 2 + 4 * h + 1, 2
    x = config.channels * 28 * 28
    if config.arch == "mlp":  # G: z → h → h → x (then tanh), D: x → h → h → 1
        return z * h + h * h + h * x + x * h + h * h + h, z + 4 * h + 2 * x, x + 4 * h + 1, x
    # DCGAN, w = h: G z → 2w×7×7 (linear, batch norm, ReLU) → w×14×14 (the same) → x (tanh);
    # D x → w×14×14 → 2w×7×7 (each with a LeakyReLU) → 1. 4×4 kernels.
    c = config.channels
    weights = z * 98 * h + 32 * h * h + 16 * h * c + 16 * c * h + 32 * h * h + 98 * h
    return weights, z + 3 * 98 * h + 3 * 196 * h + 2 * x, x + 2 * 196 * h + 2 * 98 * h + 1, x


def memory_estimate(config) -> int:
    """A rough, generous estimate of a run's memory in bytes: the sum of

    - the weights of G and D, ×4 for their gradients and Adam's two moments, plus one more copy
      per unrolled D step;
    - one training step: batch_size × (G's activations + 2 × D's, on real and on fake samples),
      ×2 for the backward pass, ×2 again for the double backward of the gradient penalties,
      ×(1 + unroll) for the graphs that unrolled D steps keep;
    - the final evaluation: in 2D one forward pass of G over all eval_samples; for images G's
      passes over chunks of 2500, the samples and as many real images;
    - the statistics the trainer records, 5 float32 per step.

    Left out, being small next to the parts that grow with the settings: biases, the data set,
    the MNIST classifier, torch itself. The sum errs high (not every part is alive at once).
    """
    weights, g_act, d_act, x = net_sizes(config)
    unroll, n = config.unroll, config.eval_samples
    step = config.batch_size * (g_act + 2 * d_act) * 4 * (1 + unroll)
    evaluation = min(n, SAMPLE_CHUNK) * g_act + 2 * n * x if config.is_image else n * g_act
    return _FLOAT * (weights * (4 + unroll) + step + evaluation + 5 * config.steps)


def machine_memory() -> int:
    """This machine's total memory (RAM) in bytes, or 1 TiB where the system does not say.

    A GPU may have less; torch reports that itself when it runs out.
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return _UNKNOWN_MEMORY
    return total if total > 0 else _UNKNOWN_MEMORY


def gigabytes(n_bytes: int) -> str:
    gb = Decimal(n_bytes) / 10**9  # Decimal: a float cannot hold every int the sizes give
    return f"{gb:,.1f}" if gb < 10 else f"{gb:,.0f}" if gb < 1e9 else f"{gb:.1e}"
