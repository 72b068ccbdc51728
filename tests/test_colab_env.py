"""When `make colab-check` runs the panel tests, they run where it says: Colab's versions, and
gan_toy installed as a package rather than imported from the working tree."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("GAN_TOY_COLAB_CHECK") != "1", reason="only under make colab-check"
)

REPO = Path(__file__).resolve().parents[1]


def test_the_packages_are_colabs():
    import ipykernel
    import ipywidgets
    import matplotlib
    import numpy

    versions = {m.__name__: m.__version__ for m in (ipywidgets, ipykernel, matplotlib, numpy)}
    assert versions == {
        "ipywidgets": "7.7.1",
        "ipykernel": "6.17.1",
        "matplotlib": "3.10.0",
        "numpy": "2.0.2",
    }


def test_gan_toy_is_the_installed_package_not_the_working_tree():
    import gan_toy

    package = Path(gan_toy.__file__).resolve().parent
    assert package != REPO / "gan_toy" and package.parent.name == "site-packages", package
