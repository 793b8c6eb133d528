"""What a viewer page shows: the :class:`ViewSpec` (who looks, with which camera, at what, over which
span, under which constraints) and the instants its slider steps through.

A spec comes from a scenario (:func:`spec_from_scenario`: its observer, camera, targets, published
epochs, claims, and its animation span) or from plain options (:func:`spec_from_options`). Times
are ET (TDB seconds past J2000) inside; the user's text forms are read with
:func:`paledot.time.timescales.to_et`. Computes no sky.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._io.errors import PaledotError
from ..plan.constraints import Constraint
from ..stories.scenarios import Scenario, load_scenario
from ..time.timescales import parse_step, time_grid, to_et

#: The slider's steps are refused past this many (each one is a rendered frame in the page).
MAX_STEPS = 400
#: Steps tried, finest first, when none is given: the first that gives at most AUTO_STEPS steps.
STEP_LADDER = ("1min", "5min", "10min", "30min", "1h", "2h", "3h", "6h", "12h", "1d", "2d", "5d", "10d",
               "30d")
AUTO_STEPS = 100
#: A scenario without an animation span is shown this long either side of its epochs, s (half a
#: day: an observer placed from published figures is covered a day either side of its picture).
PAD_S = 43200.0


@dataclass(frozen=True)
class ViewSpec:
    """A viewer page's inputs. ``start``/``stop``: the span (ET s); ``step``: the grid step (text
    like ``6h``); ``epochs``: instants marked and always stepped on (a scenario's published frame
    times, ET s) with ``pointings`` (one per epoch, or empty for ``pointing`` everywhere);
    ``constraint``: the windows' constraint (None: no windows); ``frames``: design a campaign of
    this many frames in the windows; ``seed``: the noise seed of every frame."""

    observer: object
    camera: str
    targets: tuple[str, ...]
    start: float
    stop: float
    step: str
    title: str = ""
    pointing: str = "midpoint"
    roll_deg: float = 0.0
    epochs: tuple[float, ...] = ()
    pointings: tuple[str, ...] = ()
    constraint: Constraint | None = None
    frames: int | None = None
    seed: int = 0
    stars: bool = True
    exposure: str | float = "auto"
    auto_fraction: float = 0.7
    scenario: Scenario | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def step_s(self) -> float:
        """The grid step, s."""
        return parse_step(self.step)

    def pointing_at(self, et: float) -> str:
        """The pointing at ``et`` (ET s): the one of the nearest marked epoch when each has its own."""
        if not self.pointings:
            return self.pointing
        k = int(np.argmin(np.abs(np.asarray(self.epochs) - et)))
        return self.pointings[k]


def _et(text) -> float:
    if isinstance(text, (float, np.floating)):
        return float(text)
    return float(to_et(text)[0])  # a bad time: one line naming it


def auto_step(start: float, stop: float, most: int = AUTO_STEPS) -> str:
    """The finest step of :data:`STEP_LADDER` giving at most ``most`` steps over the span."""
    for step in STEP_LADDER:
        if (stop - start) / parse_step(step) + 1 <= most:
            return step
    return STEP_LADDER[-1]


def check_span(start: float, stop: float, step: str | None, start_text="", stop_text="",
               most: int = AUTO_STEPS) -> str:
    """The step to use (``step`` checked, or :func:`auto_step`), after checking the span is forward
    and not too many steps; one-line errors naming the bad value."""
    if not (math.isfinite(start) and math.isfinite(stop)) or stop <= start:
        raise PaledotError(f"--stop {stop_text or stop!r} is not after --start {start_text or start!r}: "
                           "give a stop later than the start")
    if step is None:
        return auto_step(start, stop, most)
    s = parse_step(step)  # one-line error for 0s, -1d, 'soon' ...
    n = int((stop - start) // s) + 1
    if n > MAX_STEPS:
        raise PaledotError(f"--step {step} gives {n:,} steps over the span, more than {MAX_STEPS} "
                           "(each is a frame in the page): give a larger step")
    return step


def spec_from_options(observer, camera: str, targets, start, stop, step: str | None = None,
                      **more) -> ViewSpec:
    """A spec from plain options: ``start``/``stop`` as any time paledot reads (or ET floats)."""
    if not targets:
        raise PaledotError("give at least one --target (earth, moon ...)")
    if observer is None or camera is None:
        raise PaledotError("give a scenario (see paledot reproduce --list), or --observer, --camera, "
                           "--target, --start and --stop")
    lo, hi = _et(start), _et(stop)
    step = check_span(lo, hi, step, start, stop)
    return ViewSpec(observer, camera, tuple(t.lower() for t in targets), lo, hi, step, **more)


def spec_from_scenario(name: str | Scenario, start=None, stop=None, step: str | None = None,
                       most: int = AUTO_STEPS, **more) -> ViewSpec:
    """A scenario's spec: its observer (placed as ``paledot reproduce`` places it), camera, targets,
    published epochs and pointings; the span and step of its animation (or its epochs padded by
    :data:`PAD_S`, at the finest step giving at most ``most`` steps), unless ``start``/``stop``/
    ``step`` say otherwise."""
    from ..stories.reproduce import scenario_observer

    sc = name if isinstance(name, Scenario) else load_scenario(name)
    if sc.needs:
        raise PaledotError(f"scenario {sc.name!r} cannot run yet: it needs {sc.needs}")
    epochs = np.sort(to_et(list(sc.epochs)))
    order = np.argsort(to_et(list(sc.epochs)), kind="stable")
    seq = sc.sequence
    if seq:
        lo = min(_et(seq["start"]), float(epochs[0]))
        hi = max(_et(seq["stop"]), float(epochs[-1]))
    else:
        lo, hi = float(epochs[0]) - PAD_S, float(epochs[-1]) + PAD_S
    lo = _et(start) if start is not None else lo
    hi = _et(stop) if stop is not None else hi
    if step is None and seq and start is None and stop is None:
        step = seq.get("step", "6h")
    step = check_span(lo, hi, step, start or "", stop or "", most)
    pointings = tuple(sc.pointing[i] for i in order) if isinstance(sc.pointing, tuple) else ()
    notes = (sc.observer_note,) if sc.observer_note else ()
    return ViewSpec(
        scenario_observer(sc, epochs), sc.camera, tuple(sc.targets), lo, hi, step, title=sc.title,
        pointing=sc.pointing if isinstance(sc.pointing, str) else sc.pointing[0],
        epochs=tuple(float(e) for e in epochs), pointings=pointings, exposure=sc.exposure,
        auto_fraction=sc.auto_fraction, scenario=sc, notes=notes, **more,
    )


def step_epochs(spec: ViewSpec, extra=()) -> np.ndarray:
    """The slider's instants (ET s, sorted, each once): the grid over the span, the marked epochs
    and ``extra`` ones (a window's middle, a campaign's frames), all inside the span."""
    grid = time_grid(f"ET:{spec.start!r}", f"ET:{spec.stop!r}", spec.step, max_epochs=MAX_STEPS + 1)
    more = np.asarray([*spec.epochs, *extra], dtype=np.float64)
    more = more[(more >= spec.start) & (more <= spec.stop)]
    steps = np.unique(np.concatenate([grid, more]))
    if steps.size > MAX_STEPS + len(spec.epochs) + 60:
        raise PaledotError(f"{steps.size} steps is too many for one page: give a larger --step")
    return steps
