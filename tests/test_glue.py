"""gan_toy.glue stores numbers the way myst-nb's own glue does, as plain Python literals."""

import numpy as np
import pytest
import torch
from myst_nb.ext.glue import GLUE_PREFIX, extract_glue_data_cell
from nbformat.v4 import new_code_cell, new_output

from gan_toy import glue
from gan_toy.glue import _plain


def test_prefix_is_myst_nbs():
    from gan_toy.glue import GLUE_PREFIX as ours

    assert ours == GLUE_PREFIX


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.float64(0.25), 0.25),
        (np.int64(3), 3),
        (torch.tensor(1.5), 1.5),
        (7, 7),
        ("7 of 8", "7 of 8"),
    ],
)
def test_scalars_become_python_literals(value, expected):
    plain = _plain(value)
    assert plain == expected and type(plain) is type(expected)


def test_refuses_what_the_prose_cannot_show():
    with pytest.raises(TypeError, match="numbers and strings"):
        _plain([1, 2])


def test_myst_nb_reads_what_glue_displays(monkeypatch):
    shown = []
    monkeypatch.setattr(
        "IPython.display.display",
        lambda data, raw, metadata: shown.append(
            new_output("display_data", data=data, metadata=metadata)
        ),
    )
    assert glue("decades", np.float64(2.5)) == 2.5
    cell = new_code_cell("glue('decades', x)", outputs=shown)
    [(name, output)] = extract_glue_data_cell(cell)
    assert name == "decades"
    assert output["data"] == {"text/plain": "2.5"}
    assert cell.outputs == []  # nothing left to show on the page
