"""compare() with the caller's own named settings, and what it records for the chapters."""

import pytest
import torch

from gan_toy import TrainConfig, compare, modes_holding

TINY = {"steps": 6, "batch_size": 16, "z_dim": 4, "hidden": 8, "eval_samples": 200}


def test_own_variants_train_with_their_changes_and_record_histories():
    own = {"fast D": {"loss": "minimax", "lr_d": 1e-3, "lr_g": 1e-3, "d_steps": 2}}
    result = compare(["fast D", "ns"], seeds=(0, 1), eval_every=3, variants=own, **TINY)
    fast = result["fast D"]
    assert fast.config == TrainConfig().replace(**own["fast D"]).replace(**TINY)
    assert result["ns"].config.loss == "ns"  # names not in `variants` are VARIANTS'
    assert len(fast.histories) == 2 and all(len(h) == TINY["steps"] for h in fast.histories)
    final = fast.evals[0][-1]
    hq = final["hq_shares"]
    assert hq.sum() == pytest.approx(1.0) or hq.sum() == 0  # shares of high-quality samples
    assert modes_holding(hq) <= final["modes_covered"]
    assert final["distance"] >= 0 and set(fast.runs[0]) == {
        "seed",
        "modes_covered",
        "high_quality",
        "reverse_kl",
    }


def test_unknown_name_still_fails():
    with pytest.raises(ValueError, match="unknown variant"):
        compare(["nope"], seeds=(0,), variants={"other": {}}, **TINY)


torch.set_num_threads(1)
