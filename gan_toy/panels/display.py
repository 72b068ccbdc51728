"""What a panel shows: a figure as a PNG in an Output widget, the panel's message line, and
the evaluation a live view reads.

Both only set a widget trait (`Output.outputs`, `HTML.value`). They never print and never enter
an Output widget's context manager, whose output goes to whichever cell the main thread is
running, so a training thread may call them: setting traits is the way ipywidgets documents for
updating widgets from a thread.
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import TYPE_CHECKING

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from gan_toy.train import Trainer

# kind of message -> (colour, what precedes the text)
MESSAGE_STYLES = {
    "info": ("#333", ""),
    "note": ("#8a5a00", "Note: "),
    "ok": ("#1b5e20", ""),
    "warning": ("#8a5a00", "⚠ "),
    "error": ("#b00020", "⚠ "),
}


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes at its own dpi. Straight through the Agg canvas: savefig would
    draw twice (once more for a layout engine, even a frozen one)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    buf = io.BytesIO()
    canvas.print_png(buf)
    return buf.getvalue()


def show_png(output: widgets.Output, png: bytes, text: str = "figure") -> None:
    """Replace what `output` shows by one PNG, setting its `outputs` trait (thread-safe; no
    context manager, so nothing leaks into the cell the main thread is running)."""
    data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"<{text}>"}
    output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def show_message(line: widgets.HTML, text: str, kind: str = "info") -> None:
    """Show `text` in a panel's message line, coloured by `kind` (a key of MESSAGE_STYLES);
    empty text clears the line."""
    colour, mark = MESSAGE_STYLES[kind]
    escaped = html.escape(text, quote=False)
    line.value = f'<div style="color:{colour}">{mark}{escaped}</div>' if text else ""


def in_control_words(text: str, words: dict[str, str], shown: dict | None = None) -> str:
    """A settings error as the controls say it. `words` maps the setting names a message may
    use (TrainConfig fields, a Dirac-GAN variant's parameter) to the controls' labels; `shown`
    maps a name to {value as the message writes it: value as its control shows it}.

    Config errors name a setting `name=value` anywhere ("unroll=3 with simultaneous=True") or
    as the message's first word ("steps must be > 0"); those are the two forms rewritten here:
    "unroll steps = 3 with updates = simultaneous", "steps must be > 0"."""
    if not words:
        return text
    shown = shown or {}
    names = "|".join(sorted(map(re.escape, words), key=len, reverse=True))

    def setting(match: re.Match) -> str:
        name, value = match.group(1), match.group(2)
        if value is not None:
            return f"{words[name]} = {shown.get(name, {}).get(value, value)}"
        return words[name] if match.start() == 0 else match.group(0)

    return re.sub(rf"\b({names})\b(?:=([^\s,;:]+))?", setting, text)  # one pass


def error_line(err: BaseException, limit: int = 300) -> str:
    """An exception as one readable line for a message: its type and its words on one line
    (a traceback's many lines would not fit, and the kernel's log is where students never
    look), cut at `limit` characters."""
    words = " ".join(str(err).split())
    text = f"{type(err).__name__}: {words}" if words else type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def latest_evaluation(trainer: Trainer) -> tuple[dict, str]:
    """The latest entry of `trainer.evals` ({} if none), and " (at step N)" when it is from an
    earlier step than the trainer's, for a title to say so. A live view reads the evaluations an
    evaluation callback ahead of it recorded (e.g. ModesOverTime); it never scores samples."""
    if not trainer.evals:
        return {}, ""
    m = trainer.evals[-1]
    return m, "" if m["step"] == trainer.step else f" (at step {m['step']})"
