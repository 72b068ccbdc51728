"""gan_toy.comparison and gan_toy.plots.comparison: the numbers, tables and figures of the
remedies chapter, on hand-made results (no training)."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gan_toy import TrainConfig, make_mixture, mean_sd  # noqa: E402
from gan_toy.comparison import (  # noqa: E402
    good_modes,
    mean_sd_text,
    more_text,
    ms_per_step,
    planned_wall,
    published_table,
    relative_costs,
    results_table,
)
from gan_toy.experiments import VariantResult  # noqa: E402
from gan_toy.plots import (  # noqa: E402
    plot_comparison,
    plot_final_samples,
    plot_modes_over_time_grid,
)

RING = make_mixture("ring")
STEPS = 100


def on_modes(mixture, modes, per_mode=50):
    """Samples exactly at the given modes' centres."""
    return mixture.centres[torch.tensor(modes)].repeat_interleave(per_mode, dim=0)


def result(name, samples_per_seed, cpu_seconds=1.0, mixture=RING):
    runs, evals = [], []
    for seed, samples in enumerate(samples_per_seed):
        m = mixture.evaluate(samples)
        runs.append({"seed": seed, **m})
        evals.append([{"step": s, **m} for s in range(0, STEPS + 1, 25)])
    config = TrainConfig(steps=STEPS)
    return VariantResult(name, config, runs, evals, 1.0, cpu_seconds, list(samples_per_seed))


def test_good_modes_counts_modes_holding_good_samples():
    everywhere = on_modes(RING, list(range(8)))
    assert good_modes(result("a", [everywhere]), RING) == [8]
    # one mode with almost everything, a few good samples on three others: below half a share
    lopsided = torch.cat([on_modes(RING, [0], 2000), on_modes(RING, [1, 2, 3], 5)])
    assert good_modes(result("b", [lopsided]), RING) == [1]


def test_an_untrained_or_blurry_generator_holds_no_mode():
    torch.manual_seed(0)
    untrained = 0.05 * torch.randn(2500, 2) + torch.tensor([0.3, -0.2])  # a small blob
    blurry = 2.0 * torch.randn(2500, 2)  # mass all over the ring's plane
    counts = good_modes(result("c", [untrained, blurry]), RING)
    assert counts[0] == 0
    assert counts[1] <= 8 and RING.evaluate(blurry)["high_quality"] < 0.05


def test_good_modes_rejects_a_share_outside_0_1():
    with pytest.raises(ValueError, match="fair"):
        good_modes(result("a", [on_modes(RING, [0])]), RING, fair=0.0)


def test_mean_sd_ignores_nan_and_handles_one_value():
    assert mean_sd([1.0, 3.0, math.nan]) == (2.0, pytest.approx(math.sqrt(2)))
    assert mean_sd([4.0]) == (4.0, 0.0)
    assert all(math.isnan(v) for v in mean_sd([math.nan]))
    assert mean_sd_text((math.nan, math.nan), 2) == "n/a"
    assert mean_sd_text((1.234, 0.5), 1) == "1.2 ± 0.5"


def test_costs_are_per_step_and_run_and_relative_to_the_base():
    two_seeds = [on_modes(RING, [0]), on_modes(RING, [1])]
    cheap, dear = result("ns", two_seeds, cpu_seconds=2.0), result("x", two_seeds, 6.0)
    assert ms_per_step(cheap) == pytest.approx(1000 * 2.0 / (STEPS * 2))
    assert relative_costs({"ns": cheap, "x": dear}) == {"ns": 1.0, "x": pytest.approx(3.0)}


def test_results_table_has_a_row_per_variant_and_at_most_six_columns():
    results = {
        "ns": result("ns", [on_modes(RING, [0])] * 2),
        "unrolled-5": result("unrolled-5", [on_modes(RING, list(range(8)))] * 2, 5.0),
    }
    lines = results_table(results, RING).splitlines()
    assert len(lines) == 2 + len(results)
    assert all(line.count("|") - 1 <= 6 for line in lines)
    assert "cost (× ns)" in lines[0]
    assert lines[3].startswith("| unrolled-5 | 8.0 | 8.0 ± 0.0 |") and lines[3].endswith(" 5.0 |")
    without_base = results_table({"u": results["unrolled-5"]}, RING)
    assert "cost" not in without_base.splitlines()[0]
    assert results_table(results, RING)._repr_markdown_() == "\n".join(lines)


def test_published_table_puts_ours_beside_the_papers():
    ours = result("ns", [on_modes(RING, [0, 1])] * 2)
    table = published_table([("paper: GAN", (1, 99.3), (3.3, 0.5))], {"ours": (ours, None)})
    lines = table.splitlines()
    assert lines[2] == "| paper: GAN | 1 | 99.3 | 3.3 | 0.5 |"
    assert lines[3] == "| **ours** | 2.0 ± 0.0 | 100.0 ± 0.0 | – | – |"


@pytest.mark.parametrize(
    "seconds, workers, wall", [([3, 1, 1, 1], 2, 3), ([1, 1, 3], 2, 4), ([2, 2], 1, 4)]
)
def test_planned_wall_takes_jobs_in_order_to_the_first_free_worker(seconds, workers, wall):
    assert planned_wall(seconds, workers) == wall


def test_planned_wall_needs_a_worker():
    with pytest.raises(ValueError, match="workers"):
        planned_wall([1.0], 0)


def test_more_text_words_the_comparison():
    assert more_text(3.0, 1.0) == "more modes at a time than"
    assert more_text(1.2, 1.0) == "about as many modes at a time as"
    assert more_text(0.1, 1.0) == "fewer modes at a time than"


def figure_fits_the_column(fig):
    assert fig.get_size_inches()[0] <= 8.0
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= 8, min(sizes)


def many_results(n=11):
    return {
        f"v{i}": result(f"v{i}", [on_modes(RING, [i % 8]), on_modes(RING, list(range(8)))], 1.0 + i)
        for i in range(n)
    }


def test_comparison_bars_fit_the_column_and_show_every_variant():
    results = {"ns": result("ns", [on_modes(RING, [0])] * 2), **many_results(5)}
    fig = plot_comparison(results, RING)
    figure_fits_the_column(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == list(results)
    costs = [bar.get_width() for bar in fig.axes[3].patches]
    assert costs[0] == pytest.approx(1.0) and costs[-1] == pytest.approx(5.0)
    plt.close(fig)


@pytest.mark.parametrize("plot", ["modes", "samples"])
def test_panel_grids_fit_the_column_in_rows_and_hide_spare_panels(plot):
    results = many_results(11)
    if plot == "modes":
        fig = plot_modes_over_time_grid(results, 8, ncols=4)
    else:
        fig = plot_final_samples(results, RING, ncols=4)
    figure_fits_the_column(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 12 and len(visible) == 11
    assert [ax.get_title().split("\n")[0] for ax in visible] == list(results)
    plt.close(fig)
