"""TrainConfig: every bad value is refused with a ConfigError naming it, valid ones pass as they
are, and the memory check never refuses the book's own settings."""

import json
import subprocess
import sys

import numpy as np
import pytest

import gan_toy.config as config_module
from gan_toy import losses, regularizers
from gan_toy.config import ConfigError, TrainConfig, memory_estimate

INF, NAN = float("inf"), float("nan")

# (field, bad value, words the message must contain besides the field's name)
BAD_VALUES = [
    # whole numbers: ints only (not bool, float or str), in range
    ("steps", "100", ["'100' (str)", "whole number"]),
    ("steps", 1.5, ["1.5 (float)"]),
    ("steps", 5.0, ["5.0 (float)"]),
    ("steps", True, ["True (bool)"]),
    ("steps", None, ["None"]),
    ("steps", 0, ["got 0", "from 1 to 100,000,000"]),
    ("steps", -3, ["-3"]),
    ("steps", 10**12, ["1000000000000", "100,000,000"]),
    ("steps", INF, ["inf"]),
    ("batch_size", "64", ["'64'"]),
    ("batch_size", 0, [">= 1", "got 0"]),
    ("batch_size", 2.5, ["2.5"]),
    ("d_steps", INF, ["inf (float)"]),
    ("d_steps", 0, ["got 0"]),
    ("d_steps", 2.0, ["2.0 (float)"]),
    ("g_steps", -1, [">= 0", "-1"]),
    ("g_steps", None, ["None"]),
    ("z_dim", 0, ["got 0"]),
    ("z_dim", "16", ["'16'"]),
    ("hidden", True, ["True (bool)"]),
    ("hidden", 32.0, ["32.0"]),
    ("eval_samples", 0, ["got 0"]),
    ("eval_samples", 1e4, ["10000.0 (float)"]),
    ("unroll", -1, ["-1"]),
    ("unroll", 1.0, ["1.0"]),
    ("unroll", INF, ["inf"]),
    ("unroll_order", 3, ["3", "1, 2"]),
    ("unroll_order", True, ["True (bool)"]),
    ("unroll_order", 2.0, ["2.0 (float)"]),
    ("unroll_order", "2", ["'2'"]),
    ("seed", "a", ["'a' (str)"]),
    ("seed", 10**20, ["100000000000000000000", "9,223,372,036,854,775,807"]),
    ("seed", -1, ["-1", "from 0"]),
    ("seed", 1.0, ["1.0 (float)"]),
    ("seed", True, ["True"]),
    # real numbers: finite, int or float, not bool or str
    ("lr_d", "1e-3", ["'1e-3' (str)", "finite number > 0"]),
    ("lr_d", INF, ["inf"]),
    ("lr_d", NAN, ["nan"]),
    ("lr_d", 0, ["got 0"]),
    ("lr_d", -1e-3, ["-0.001"]),
    ("lr_d", True, ["True (bool)"]),
    ("lr_g", [1e-3], ["[0.001] (list)"]),
    ("lr_g", 1j, ["1j"]),
    ("unroll_lr", 0.0, ["None or a finite number > 0", "0.0"]),
    ("unroll_lr", "x", ["'x'"]),
    ("unroll_lr", INF, ["inf"]),
    ("clip", INF, ["inf", "None or a finite number > 0"]),
    ("clip", 0, ["got 0"]),
    ("clip", -0.01, ["-0.01"]),
    ("clip", "0.01", ["'0.01'"]),
    # Adam's betas: a pair of finite numbers in [0, 1)
    ("betas", 0.5, ["0.5 (float)", "[0, 1)"]),
    ("betas", (0.5,), ["(0.5,)"]),
    ("betas", (0.5, 0.9, 0.99), ["(0.5, 0.9, 0.99)"]),
    ("betas", (0.5, 1.0), ["(0.5, 1.0)"]),
    ("betas", (-0.1, 0.9), ["-0.1"]),
    ("betas", ("0.5", 0.9), ["'0.5'"]),
    ("betas", (0.5, NAN), ["nan"]),
    ("betas", (True, 0.9), ["True"]),
    ("betas", None, ["None"]),
    ("betas", "ab", ["'ab' (str)"]),
    # regularisers: a dict of known name -> finite weight >= 0
    ("regs", None, ["None (NoneType)", "dict"]),
    ("regs", [("gp", 1.0)], ["[('gp', 1.0)] (list)"]),
    ("regs", "gp", ["'gp' (str)"]),
    ("regs", {"gp": "abc"}, ["gp='abc' (str)", "finite number >= 0"]),
    ("regs", {"gp": INF}, ["gp=inf"]),
    ("regs", {"gp": NAN}, ["gp=nan"]),
    ("regs", {"r1": -1.0}, ["r1=-1.0"]),
    ("regs", {"gp": True}, ["gp=True (bool)"]),
    ("regs", {"gp": None}, ["gp=None"]),
    ("regs", {"r3": 1.0}, ["'r3'", "r1", "gp", "sn"]),
    ("regs", {1: 1.0}, ["1 (int)", "gp"]),
    # booleans: True or False only ("no" is truthy: it would switch simultaneous mode on)
    ("simultaneous", "no", ["'no' (str)", "True or False"]),
    ("simultaneous", 1, ["1 (int)"]),
    ("simultaneous", None, ["None"]),
    ("simultaneous", np.bool_(True), ["True", "(numpy.bool"]),
    ("tf32", "yes", ["'yes'"]),
    ("tf32", 0, ["0 (int)"]),
    # choices: strings from a list
    ("data", "moons", ["'moons'", "ring", "grid", "stacked-mnist"]),
    ("data", None, ["None (NoneType)", "ring"]),
    ("data", 5, ["5 (int)"]),
    ("arch", "resnet", ["'resnet'", "mlp", "dcgan"]),
    ("mnist_source", True, ["True (bool)", "subset"]),
    ("loss", None, ["None", "minimax", "wgan-gp"]),
    ("loss", "NS", ["'NS'", "ns"]),
    ("optimizer", "rmsprop", ["'rmsprop'", "adam", "sgd"]),
    ("optimizer", 1, ["1 (int)"]),
    ("device", "tpu", ["'tpu'", "cpu", "cuda:N"]),
    ("device", "cuda:x", ["'cuda:x'"]),
    ("device", 5, ["5 (int)"]),
    ("device", None, ["None"]),
]

CASE_IDS = [f"{name}={value!r}" for name, value, _ in BAD_VALUES]


def field_words(name, value, words):
    """The words a message about `name` must carry: the field (regs names its key) and value."""
    return [name if not isinstance(value, dict) else "reg", *words]


@pytest.mark.parametrize(("name", "value", "words"), BAD_VALUES, ids=CASE_IDS)
def test_validate_refuses_a_bad_value_naming_field_value_and_what_is_allowed(name, value, words):
    config = TrainConfig(**{name: value})  # made without complaint: validate() names it
    with pytest.raises(ConfigError) as info:
        config.validate()
    message = str(info.value)
    assert "\n" not in message
    for word in field_words(name, value, words):
        assert word in message, (word, message)


@pytest.mark.parametrize(("name", "value", "words"), BAD_VALUES, ids=CASE_IDS)
def test_replace_and_from_dict_refuse_it_too(name, value, words):
    for make in (
        lambda: TrainConfig().replace(**{name: value}),
        lambda: TrainConfig.from_dict({**TrainConfig().to_dict(), name: value}),
    ):
        with pytest.raises(ConfigError) as info:
            make()
        for word in field_words(name, value, words):
            assert word in str(info.value), (word, str(info.value))


def test_simultaneous_no_is_refused_rather_than_switching_it_on():
    with pytest.raises(ConfigError, match="simultaneous must be True or False, got 'no'"):
        TrainConfig(simultaneous="no").validate()


@pytest.mark.parametrize(
    "values, words",
    [
        ("not a dict", ["a config must be a dict", "'not a dict' (str)"]),
        (None, ["None"]),
        ({"stpes": 3}, ["unknown setting 'stpes'", "steps"]),
        ({1: 3}, ["unknown setting 1 (int)"]),
    ],
)
def test_from_dict_refuses_what_is_not_a_dict_of_settings(values, words):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict(values)
    for word in words:
        assert word in str(info.value)


# --- valid values pass, as they are ------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"steps": 1},
        {"steps": config_module.MAX_STEPS},
        {"g_steps": 0, "unroll": 0},
        {"lr_d": 1, "lr_g": 1},  # an int is a number
        {"betas": [0.5, 0.9]},  # a list, as JSON gives it
        {"betas": (0.0, 0.0)},
        {"regs": {"gp": 0}, "clip": 0.01},
        {"regs": {name: 0.5 for name in regularizers.REGULARIZERS}},
        {"seed": 0},
        {"seed": 2**63 - 1},
        {"device": "cuda:1"},  # validate() does not touch the device
        {"simultaneous": True},
        {"unroll": 5, "unroll_order": 1, "unroll_lr": 1e-3},
        {"data": "stacked-mnist", "arch": "dcgan", "tf32": False, "mnist_source": "subset"},
    ],
)
def test_valid_edge_values_pass_unchanged(changes):
    config = TrainConfig(**changes)
    assert config.validate() is config
    for name, value in changes.items():
        assert getattr(config, name) == value and type(getattr(config, name)) is type(value)


def test_numpy_numbers_are_accepted_as_the_python_numbers_they_equal():
    config = TrainConfig(
        steps=np.int64(5),
        seed=np.int32(3),
        hidden=np.int16(32),
        lr_d=np.float32(0.5),
        betas=(np.float64(0.5), np.float32(0.75)),
        regs={"gp": np.float32(10.0)},
    ).validate()
    assert (config.steps, config.seed, config.hidden, config.lr_d) == (5, 3, 32, 0.5)
    assert config.betas == (0.5, 0.75) and config.regs == {"gp": 10.0}
    assert all(type(v) in (int, float) for v in (config.steps, config.seed, config.lr_d))
    assert all(type(b) is float for b in config.betas) and type(config.regs["gp"]) is float
    json.dumps(config.to_dict())  # plain numbers: JSON (and weights_only loads) take them


def test_a_config_goes_through_json_and_back_unchanged():
    config = TrainConfig(
        loss="wgan-gp", regs={"gp": 10.0}, betas=(0.5, 0.9), d_steps=5, clip=None, seed=7
    ).validate()
    again = TrainConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.betas == (0.5, 0.9)


def test_data_dependent_defaults_move_as_before():
    assert TrainConfig().replace(data="mnist") == TrainConfig(data="mnist")
    assert TrainConfig(data="mnist").replace(arch="dcgan") == TrainConfig(
        data="mnist", arch="dcgan"
    )
    mine = TrainConfig(hidden=64).replace(data="mnist")
    assert mine.hidden == 64 and mine.z_dim == 100  # a value you set stays
    # a combination that is not valid yet can be passed through on the way
    halfway = TrainConfig(data="mnist", arch="dcgan").replace(data="ring")
    with pytest.raises(ConfigError, match="arch 'dcgan' is for images"):
        halfway.validate()
    assert halfway.replace(arch="mlp").validate().arch == "mlp"


def test_loss_and_regulariser_names_come_from_their_registries():
    assert config_module.LOSSES == tuple(losses.LOSSES)
    assert config_module.REGULARIZER_NAMES == tuple(regularizers.REGULARIZERS)


def test_config_imports_on_its_own_in_a_fresh_process():
    code = "import gan_toy.config as c; print(len(c.LOSSES), len(c.REGULARIZER_NAMES))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(losses.LOSSES)), str(len(regularizers.REGULARIZERS))]


# --- memory: refuse what cannot fit, never the book's settings ---------------------------------

BOOK_SETTINGS = [
    TrainConfig(data="ring"),  # batch 512, z 256, hidden 128, eval 2500
    TrainConfig(data="grid", unroll=10),  # chapter 3's largest unroll, second order
    TrainConfig(data="mnist"),  # MLP: batch 64, hidden 256, eval 10,000
    TrainConfig(data="mnist", arch="dcgan"),  # batch 64, hidden 64
    TrainConfig(data="stacked-mnist", arch="dcgan"),  # eval 26,000
    TrainConfig(data="stacked-mnist", steps=1_000_000),  # the panels' longest run
]


@pytest.mark.parametrize("config", BOOK_SETTINGS, ids=lambda c: f"{c.data}-{c.arch}")
def test_the_books_settings_pass_the_memory_check_on_a_small_machine(config, monkeypatch):
    assert memory_estimate(config) < 2 * 10**9
    monkeypatch.setattr(config_module, "machine_memory", lambda: 4 * 10**9)
    config.validate()


def test_this_machine_says_how_much_memory_it_has():
    assert config_module.machine_memory() > 10**8
    TrainConfig().validate()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"batch_size": 10**9}, "batch_size=1000000000"),
        ({"hidden": 10**6}, "hidden=1000000"),
        ({"z_dim": 10**9}, "z_dim=1000000000"),
        ({"eval_samples": 10**11}, "eval_samples=100000000000"),
        ({"unroll": 10**7}, "unroll=10000000"),
        ({"data": "mnist", "batch_size": 10**8}, "batch_size=100000000"),
        ({"data": "mnist", "arch": "dcgan", "hidden": 10**5}, "hidden=100000"),
        ({"hidden": 10**200}, "hidden=1" + "0" * 200),
    ],
)
def test_sizes_beyond_the_machine_are_refused_with_the_estimate(changes, field, monkeypatch):
    monkeypatch.setattr(config_module, "machine_memory", lambda: 24 * 10**9)
    config = TrainConfig(**changes)
    with pytest.raises(ConfigError) as info:
        config.validate()
    message = str(info.value)
    assert message.startswith(field + " is too big") and "\n" not in message
    assert "this machine has 24 GB" in message and "needs about" in message
    config.replace()  # each field is fine on its own: only validate() knows the machine


def test_the_estimate_grows_with_every_size():
    base = memory_estimate(TrainConfig())
    for name in ("z_dim", "hidden", "batch_size", "eval_samples", "steps"):
        assert memory_estimate(TrainConfig(**{name: 2 * getattr(TrainConfig(), name)})) > base
    assert memory_estimate(TrainConfig(unroll=1)) > base
