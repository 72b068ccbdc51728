"""The named experiment settings and the seeds-batched comparison runner."""

import math

import pytest
import torch

from gan_toy import Trainer
from gan_toy.experiments import VARIANTS, VariantResult, compare, track, variant_config
from gan_toy.metrics import mode_metrics, mode_shares

torch.set_num_threads(1)

TINY = {"steps": 10, "batch_size": 32, "z_dim": 8, "hidden": 16, "eval_samples": 300}


def test_every_variant_is_a_valid_config():
    for name in VARIANTS:
        config = variant_config(name, **TINY).validate()
        assert config.steps == 10
    assert variant_config("wgan-gp").d_steps == 5
    assert variant_config("unrolled-5 first-order").unroll_order == 1


def test_unknown_variant_names_the_choices():
    with pytest.raises(ValueError, match="'unrolled-7'.*unrolled-5"):
        variant_config("unrolled-7")


@pytest.mark.parametrize("name", ["ns", "spectral-norm"])  # batched path and one-by-one path
def test_compare_records_each_seed_like_a_single_run(name):
    result = compare([name], seeds=(3, 4), eval_every=5, **TINY)[name]
    assert [r["seed"] for r in result.runs] == [3, 4]
    assert [e["step"] for e in result.evals[0]] == [0, 5, 10]
    alone = Trainer(variant_config(name, seed=4, **TINY))
    alone.fit()
    expected = alone.evaluate()
    assert result.runs[1]["modes_covered"] == expected["modes_covered"]
    assert result.runs[1]["high_quality"] == pytest.approx(expected["high_quality"], abs=0.004)
    assert set(result.runs[1]) == {"seed", "modes_covered", "high_quality", "reverse_kl"}
    assert result.evals[1][-1]["shares"].sum() == pytest.approx(1.0)


def test_track_evaluates_each_run_on_its_own_samples_at_the_chosen_steps():
    configs = [variant_config("ns", seed=s, **{**TINY, "steps": 7}) for s in (0, 1)]
    seen = []
    trainer, evals = track(configs, every=3, on_eval=seen.append)
    assert seen == [0, 3, 6, 7]  # the last step is evaluated although 7 is not a multiple of 3
    assert [[e["step"] for e in run] for run in evals] == [seen, seen]
    # The last evaluation is what the trained runs' own fixed samples give now.
    centres, sigma = trainer.source.centres, trainer.source.sigma
    for run, samples in zip(evals, trainer.sample(TINY["eval_samples"])):
        final = run[-1]
        torch.testing.assert_close(final["shares"], mode_shares(samples, centres))
        assert final["modes_covered"] == mode_metrics(samples, centres, sigma)["modes_covered"]
    assert not torch.equal(evals[0][-1]["shares"], evals[1][-1]["shares"]), "seeds must differ"


def test_summaries_ignore_undefined_kl_and_read_over_time():
    config = variant_config("ns", steps=100)
    runs = [
        {"seed": 0, "modes_covered": 2, "high_quality": 0.5, "reverse_kl": math.nan},
        {"seed": 1, "modes_covered": 4, "high_quality": 0.3, "reverse_kl": 0.5},
    ]
    evals = [
        [{"step": 0, "modes_covered": 0}, {"step": 50, "modes_covered": 2}],
        [{"step": 0, "modes_covered": 0}, {"step": 100, "modes_covered": 5}],
    ]
    result = VariantResult("ns", config, runs, evals)
    assert result.mean_sd("modes_covered") == (3, pytest.approx(math.sqrt(2)))
    assert result.mean_sd("reverse_kl") == (0.5, 0.0)
    assert result.modes_over_time() == (3.5, 2)  # steps ≥ 25 only


def test_compare_keeps_each_runs_final_samples_and_cpu_time():
    result = compare(["ns"], seeds=(0, 1), eval_every=5, **TINY)["ns"]
    assert len(result.samples) == 2 and result.samples[0].shape == (TINY["eval_samples"], 2)
    scored = result.config.replace(seed=1)  # the metrics were computed on exactly these
    metrics = mode_metrics(result.samples[1], *_centres_and_sigma(scored))
    assert metrics["modes_covered"] == result.runs[1]["modes_covered"]
    assert result.cpu_seconds > 0 and result.wall_seconds > 0


def _centres_and_sigma(config):
    from gan_toy import make_mixture

    mixture = make_mixture(config.data)
    return mixture.centres, mixture.sigma


def test_compare_in_worker_processes_gives_the_same_results_in_the_same_order():
    names = ["ns", "minimax", "spectral-norm"]
    serial = compare(names, seeds=(0, 1), eval_every=5, **TINY)
    parallel = compare(names, seeds=(0, 1), eval_every=5, workers=2, **TINY)
    assert list(parallel) == names
    for name in names:
        assert repr(parallel[name].runs) == repr(serial[name].runs)  # repr: NaN equals NaN
        torch.testing.assert_close(parallel[name].samples[0], serial[name].samples[0])
