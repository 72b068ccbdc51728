"""The Dirac-GAN panel (Mescheder et al. 2018): a variant and its strength, the step size, the
number of steps, the start and the update modes; it shows the vector field with the
trajectories, the distance to the equilibrium over the steps, and the eigenvalues of the
Jacobian at (0, 0). It redraws on every change: a simulation takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gan_toy import dirac
from gan_toy.panels.base import control
from gan_toy.panels.display import error_line, in_control_words, png_bytes, show_message, show_png

# The one parameter of each variant that the panel exposes, with its default.
DIRAC_PARAMS = {
    "r1": ("gamma", 0.3),
    "r2": ("gamma", 0.3),
    "roth": ("gamma", 0.3),
    "weight-penalty": ("gamma", 0.3),
    "consensus": ("gamma", 0.3),
    "instance-noise": ("sigma", 0.5),
    "wgan-clip": ("c", 0.5),
    "wgan-gp": ("lam", 1.0),
}
MODE_COLOURS = {"simultaneous": "C3", "alternating": "C0", "continuous": "k"}
# Starts farther out show nothing new (the field's structure is within a few units of (0, 0)),
# and from about 1e154 on squared distances overflow in the plots.
FARTHEST_START = 1e6


class DiracPanel:
    """The Dirac-GAN (Mescheder et al. 2018): a variant and its strength, the step size, the
    number of steps, the start and the update modes; it shows the vector field with the
    trajectories, the distance to the equilibrium over the steps, and the eigenvalues of the
    Jacobian at (0, 0). Redraws on every change: a simulation takes milliseconds."""

    def __init__(
        self,
        variant: str = "gan",
        strength: float | None = None,
        lr: float = 0.1,
        steps: int = 300,
        theta0: float = 1.0,
        psi0: float = 1.0,
        modes: Sequence[str] = dirac.MODES,
    ) -> None:
        if strength is None:
            strength = DIRAC_PARAMS.get(variant, ("", 0.0))[1]
        self.defaults = dict(
            variant=variant,
            strength=strength,
            lr=lr,
            steps=steps,
            theta0=theta0,
            psi0=psi0,
            modes=tuple(modes),
        )
        self.variant = control(
            widgets.Dropdown, "variant", options=sorted(dirac.VARIANTS), value=variant
        )
        self.strength = control(
            widgets.FloatText, "strength", value=strength, disabled=variant not in DIRAC_PARAMS
        )
        self.lr = control(
            widgets.FloatLogSlider,
            "step size (lr)",
            value=lr,
            base=10,
            min=-3,
            max=0,
            step=0.1,
            readout_format=".3g",
            continuous_update=False,
        )
        self.steps = control(
            widgets.IntSlider,
            "steps",
            value=steps,
            min=10,
            max=2000,
            step=10,
            continuous_update=False,
        )
        self.theta0 = control(widgets.FloatText, "start θ", value=theta0)
        self.psi0 = control(widgets.FloatText, "start ψ", value=psi0)
        box = widgets.Layout(width="140px")
        self.modes = {
            m: widgets.Checkbox(value=m in modes, description=m, indent=False, layout=box)
            for m in dirac.MODES
        }
        self.message = widgets.HTML("")
        self.output = widgets.Output()
        self.figure = Figure(figsize=(9.5, 4.6), dpi=72)
        FigureCanvasAgg(self.figure)
        self.error: str | None = None
        self.variant.observe(self._variant_changed, names="value")
        for widget in (
            self.strength,
            self.lr,
            self.steps,
            self.theta0,
            self.psi0,
            *self.modes.values(),
        ):
            widget.observe(lambda _: self.update(), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [
                        widgets.VBox([self.variant, self.strength, self.lr]),
                        widgets.VBox([self.steps, self.theta0, self.psi0]),
                    ]
                ),
                widgets.HBox(list(self.modes.values())),
                self.message,
                self.output,
            ]
        )
        self.update()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _variant_changed(self, change) -> None:
        param = DIRAC_PARAMS.get(change["new"])
        self.strength.disabled = param is None
        if param is not None and self.strength.value != param[1]:
            self.strength.value = param[1]  # its observer redraws
        else:
            self.update()

    def setting(self) -> dict:
        """The controls' values, in the form of `self.defaults`."""
        return dict(
            variant=self.variant.value,
            strength=self.strength.value,
            lr=self.lr.value,
            steps=self.steps.value,
            theta0=self.theta0.value,
            psi0=self.psi0.value,
            modes=tuple(m for m, box in self.modes.items() if box.value),
        )

    @staticmethod
    def make_variant(setting: dict):
        """The Dirac-GAN variant of a setting (ValueError names a bad value)."""
        param = DIRAC_PARAMS.get(setting["variant"])
        params = {} if param is None else {param[0]: setting["strength"]}
        return dirac.make_variant(setting["variant"], **params)

    @classmethod
    def check(cls, setting: dict) -> None:
        """ValueError naming the first value of a setting that cannot be drawn."""
        cls.make_variant(setting)
        if not setting["modes"]:
            raise ValueError("tick at least one of simultaneous, alternating, continuous")
        for key, label in (("theta0", "start θ"), ("psi0", "start ψ")):
            value = setting[key]
            if not (np.isfinite(value) and abs(value) <= FARTHEST_START):
                raise ValueError(
                    f"{label} = {value:g} is too far out to draw: use a start within "
                    f"±{FARTHEST_START:g} of (0, 0)"
                )

    @classmethod
    def draw(cls, fig: Figure, setting: dict) -> Figure:
        """Draw a setting on `fig`; ValueError or FloatingPointError for a bad one."""
        cls.check(setting)
        variant = cls.make_variant(setting)
        lr, steps, start = setting["lr"], setting["steps"], (setting["theta0"], setting["psi0"])
        fig.clear()
        ax_t, ax_r = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        lim = max(2.5, 1.2 * max(abs(start[0]), abs(start[1])))
        dirac.plot_trajectories(
            variant,
            *start,
            lr=lr,
            steps=steps,
            modes=setting["modes"],
            ax=ax_t,
            lim=lim,
            legend=False,
        )
        for mode in setting["modes"]:
            traj = dirac.simulate(variant, *start, lr, steps, mode)
            ax_r.semilogy(
                dirac.distance_to_equilibrium(traj) + 1e-16,
                label=mode,
                color=MODE_COLOURS[mode],
                ls="--" if mode == "continuous" else "-",
            )
        ax_r.set(xlabel="step", ylabel="distance to (0, 0)", title="Distance to the equilibrium")
        ax_r.legend(fontsize=8)
        fig.set_layout_engine("constrained")
        return fig

    @classmethod
    def describe(cls, setting: dict) -> str:
        """The eigenvalues at the equilibrium and what one simultaneous step does near it."""
        variant = cls.make_variant(setting)
        eig = variant.eigenvalues()
        if eig is None:
            return (
                f"{variant.label}: the field jumps at ψ = 0, so there is no Jacobian at "
                "(0, 0): see where the trajectories settle instead."
            )
        re, im = float(np.real(eig[0])), abs(float(np.imag(eig[0])))
        eig_text = f"{re:.3g} ± {im:.3g}i" if im > 0 else ", ".join(f"{e.real:.3g}" for e in eig)
        factor = dirac.step_factor(variant, setting["lr"])
        verdict = "spiral out" if factor > 1 else "converge"
        return (
            f"{variant.label}: eigenvalues of the Jacobian at (0, 0): {eig_text}. Near "
            f"(0, 0) one simultaneous step of lr={setting['lr']:.3g} multiplies the distance "
            f"to it by {factor:.4f}: simultaneous steps {verdict}."
        )

    def update(self) -> None:
        """Redraw the current setting, or show in the message line why it cannot be drawn
        (the picture of the last setting that could be drawn stays)."""
        setting = self.setting()
        try:
            self.check(setting)
        except ValueError as err:  # names the value, as the variant's parameter
            param = DIRAC_PARAMS.get(setting["variant"], ("",))[0]
            self._fail(in_control_words(str(err), {param: "strength"} if param else {}))
            return
        try:
            text = self.describe(setting)
            self.draw(self.figure, setting)
            png = png_bytes(self.figure)
        except FloatingPointError as err:  # the simulation says where it blew up
            self._fail(str(err))
            return
        except Exception as err:  # anything else: still a message, never a kernel-log traceback
            self._fail(f"could not draw this setting: {error_line(err)}")
            return
        self.error = None
        show_message(self.message, text, "info")
        show_png(self.output, png, "Dirac-GAN")

    def _fail(self, text: str) -> None:
        self.error = text
        show_message(self.message, text, "error")

    def static_figure(self) -> Figure:
        """The panel's default setting as a pyplot figure: the static copy under the panel."""
        return self.draw(plt.figure(figsize=(9.5, 4.6)), self.defaults)
