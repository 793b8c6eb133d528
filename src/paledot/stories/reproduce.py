"""Reproduce a scenario end to end: geometry, frames, animation, plots, facts, claims, report.

``reproduce("mex-2023", out)`` builds every output in a temporary folder and swaps it into place
only when complete, so an interrupted run leaves nothing half-written, and an existing folder is
replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError
from .._io.outputs import check_folder_destination, replace_folder
from ..cameras import load_camera
from ..celestial.ephemeris import default_ephemeris
from ..geometry.lighttime import observe
from ..geometry.tables import format_csv
from ..observers import BodyCentre, as_observer
from ..render.files import fits_bytes, write_annotated_png, write_png
from ..render.frame import Frame, render
from ..render.regions import region_text, regions_available
from ..render.scene import Pointing, RenderWarning, Scene
from ..time.timescales import et_to_iso, time_grid, to_et
from .claims import Findings, Verdict, check_claims, orbit_fraction
from .report import (
    fact_rows,
    facts_markdown,
    montage,
    orbit_plot,
    png_bytes,
    report_html,
    sequence_gif,
    write_bytes,
)
from .scenarios import Scenario, load_scenario


class Progress:
    """The progress of a reproduction on stderr (tqdm: a bar with an ETA, on a terminal only)."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        from .._io.progress import progress_bar

        self.total, self.done = total, 0
        self._bar = progress_bar(total, "reproduce", enabled, unit="step", stream=stream)

    def step(self, what: str, n: int = 1) -> None:
        self.done += n
        self._bar.set_description_str(what, refresh=False)
        self._bar.update(n)
        if self.done >= self.total:
            self._bar.close()


@dataclass
class Result:
    folder: Path
    files: list[str]
    findings: Findings
    verdicts: list[Verdict]
    seconds: float
    notes: list[str]


def _label(utc: str) -> str:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{int(utc[8:10])} {months[int(utc[5:7]) - 1]} {utc[:4]} {utc[11:16]} UTC"


def _tangent_offsets(center: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Gnomonic (east, north) offsets in arcsec of ``points`` around ``center`` (both (N, 3))."""
    c = center / np.linalg.norm(center, axis=-1, keepdims=True)
    p = points / np.linalg.norm(points, axis=-1, keepdims=True)
    pole = np.array([0.0, 0.0, 1.0])
    east = np.cross(pole, c)
    east /= np.linalg.norm(east, axis=-1, keepdims=True)
    north = np.cross(c, east)
    dot = np.einsum("ij,ij->i", p, c)
    xi = np.einsum("ij,ij->i", p, east) / dot
    eta = np.einsum("ij,ij->i", p, north) / dot
    return np.degrees(np.stack([xi, eta], axis=-1)) * 3600


def _refuse_folder_holding(scenario_file: Path, folder: Path) -> None:
    """The output folder is swapped in whole: one that holds the scenario file itself (a
    campaign's plan folder) would delete the plan it renders."""
    if folder.resolve() in scenario_file.resolve().parents:
        raise PaledotError(
            f"scenario file {str(scenario_file)!r} lies inside the output folder '{folder}', which "
            "reproduce writes as a whole (and --overwrite replaces): give --out another folder"
        )


def reproduce(
    name: str | Scenario,
    out: str | Path | None = None,
    epochs=None,
    overwrite: bool = False,
    progress: bool = True,
    stream=None,
) -> Result:
    """Run a scenario and write its outputs into ``out`` (default ``paledot-out/<name>``)."""
    t_start = time.perf_counter()
    sc = name if isinstance(name, Scenario) else load_scenario(name)
    if sc.needs:
        raise PaledotError(f"scenario {sc.name!r} cannot run yet: it needs {sc.needs}")
    folder = Path(out) if out else Path("paledot-out") / sc.name
    if isinstance(name, str | os.PathLike) and str(name).endswith(".toml"):
        _refuse_folder_holding(Path(name), folder)
    check_folder_destination(folder, overwrite)
    camera = load_camera(sc.camera)
    user_epochs = bool(epochs)
    if user_epochs and isinstance(sc.pointing, tuple):
        raise PaledotError(
            f"scenario {sc.name!r} points at a different body for each of its epochs, so --time "
            "cannot replace them: copy the scenario file and edit its epochs and pointings"
        )
    et = to_et(list(epochs) if user_epochs else list(sc.epochs))
    pointings = sc.pointing if isinstance(sc.pointing, tuple) else (sc.pointing,) * len(et)
    if len(pointings) != len(et):
        raise PaledotError(f"scenario {sc.name!r} has {len(pointings)} pointings for {len(et)} epochs")
    order = np.argsort(et, kind="stable")  # facts and the orbit arc run forward in time
    et, pointings = et[order], tuple(pointings[i] for i in order)
    # The scenario's animation belongs to its own epochs; with other epochs there is none.
    seq = {} if user_epochs else sc.sequence
    seq_et = sequence_epochs(seq, et)
    bar = Progress(total=len(et) + seq_et.size + 4, stream=stream, enabled=progress)
    utc = [str(x) for x in et_to_iso(et)]
    notes = [sc.observer_note] if sc.observer_note else []
    if sc.surfaces:
        from ..light.surfaces import notes as surface_notes

        notes.extend(surface_notes())
    epochs_source = "epochs given by the user (--time)" if user_epochs else sc.epochs_source
    if user_epochs:
        notes.append(
            "epochs given by the user, not the scenario's published ones: the claims are "
            "checked against these epochs"
        )
    observer = scenario_observer(sc, et)

    g, findings, verdicts = assess(sc, observer, et, camera, utc)
    notes += [n for n in g.notes if n not in notes]
    ie, im = g.index("earth"), g.index("moon")
    diam = g.angular_diameter.to_value("rad")
    bar.step("geometry and claims")

    # The frames as the camera would record them.
    def shot(epoch: float, pointing: Pointing, seed: int) -> Frame:
        scene = Scene(
            epoch, observer, list(sc.targets), camera, pointing, sc.exposure, sc.auto_fraction, seed,
            surfaces=sc.surfaces,
        )
        return render(scene)

    frames: list[Frame] = []
    gif_frames: list[Frame] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        for i, e in enumerate(et):
            frames.append(shot(float(e), Pointing.parse(pointings[i]), seed=i))
            bar.step(f"frame {utc[i][:16]}")
        for i, e in enumerate(seq_et):
            gif_frames.append(shot(float(e), Pointing("target", target="earth"), seed=1000 + i))
            bar.step("animation")
    notes += sorted({str(w.message) for w in caught if issubclass(w.category, RenderWarning)})

    # Orbit plot: the Moon around Earth as seen from the observer over one sidereal month.
    orbit_png = b""
    if sc.orbit:
        step_s = to_step(sc.orbit.get("step", "2h"))
        month = np.arange(et[0], et[0] + float(sc.orbit["days"]) * 86400.0 + 1, step_s)
        gm = observe(observer, ["earth", "moon"], month).position.to_value("km")
        offsets = _tangent_offsets(gm[0], gm[1])
        obs_pos = g.position.to_value("km")
        observed = _tangent_offsets(obs_pos[ie], obs_pos[im])
        covered = (month >= et[0]) & (month <= et[-1])
        earth_r_arcsec = math.degrees(g.angular_radius.to_value("rad")[ie].mean()) * 3600
        orbit_png = orbit_plot(
            offsets,
            observed,
            [_label(u)[:6] for u in utc],
            covered,
            findings.orbit_fraction,
            earth_r_arcsec,
            math.degrees(camera.pixel_scale_rad) * 3600,
            f"The Moon around Earth seen from {g.observer.title()}, {_label(utc[0])[:11]} + one month",
            "Moon at the given times" if user_epochs else "Moon at the published image times",
        )
    bar.step("orbit plot")

    panel_labels = [_label(u) for u in utc]
    if len(set(pointings)) > 1:  # frames of one moment pointed at different bodies: say which
        panel_labels = [f"{lab} - {p.title()}" for lab, p in zip(panel_labels, pointings, strict=True)]
    crop_px, zoom = _montage_crop(frames)
    montage_img = montage(
        frames, panel_labels, sc.title, crop_px=crop_px, scale=zoom, stretch=sc.stretch,
        white_fraction=sc.white_fraction,
    )
    # A frame at a published epoch is that epoch exactly (joined into the grid above).
    obs_marks = ["published image" if np.any(et == e_seq) else None for e_seq in seq_et]
    gif = (
        sequence_gif(
            gif_frames,
            [_label(u) for u in et_to_iso(seq_et)],
            obs_marks,
            crop_px=int(seq.get("crop_px", 360)),
        )
        if gif_frames
        else b""
    )
    bar.step("montage and animation")

    sep_px = np.hypot(
        *[
            [f_.body("earth").column - f_.body("moon").column for f_ in frames],
            [f_.body("earth").row - f_.body("moon").row for f_ in frames],
        ]
    )
    rows = fact_rows(
        findings, findings.km_per_px, np.degrees(diam[ie]) * 3600, np.degrees(diam[im]) * 3600, sep_px
    )
    facts_md = facts_markdown(sc.title, findings, rows, verdicts, notes)
    montage_png = png_bytes(montage_img)
    images = [
        (
            f"The {len(frames)} frames, rebuilt: " + ", ".join(_label(u)[:6] for u in utc),
            montage_png,
            "image/png",
        ),
    ]
    if orbit_png:
        images.append(
            ("The Moon's apparent orbit around Earth and the arc the frames span", orbit_png, "image/png")
        )
    if gif:
        images.append(
            (
                "The Moon moving around Earth, a frame every 6 hours and one at each published image "
                "time (framed in orange); north up, east left",
                gif,
                "image/gif",
            )
        )
    html_text = report_html(
        sc.title,
        sc.summary,
        findings,
        rows,
        verdicts,
        images,
        notes,
        f"{sc.credit}. Epochs: {epochs_source}.",
    )

    files: list[str] = []

    def fill(tmp: Path) -> None:
        for i, frame in enumerate(frames):
            stem = f"frame-{i + 1}-{utc[i][:10]}"
            write_bytes(tmp, f"{stem}.fits", fits_bytes(frame))
            files.append(f"{stem}.fits")
            if regions_available():
                write_bytes(tmp, f"{stem}.reg", region_text(frame).encode())
                files.append(f"{stem}.reg")
            write_png(frame, tmp / f"{stem}.png")
            write_annotated_png(frame, tmp / f"{stem}-annotated.png")
            files.extend([f"{stem}.png", f"{stem}-annotated.png"])
        write_bytes(tmp, "montage.png", montage_png)
        if orbit_png:
            write_bytes(tmp, "orbit.png", orbit_png)
        if gif:
            write_bytes(tmp, "sequence.gif", gif)
        write_bytes(tmp, "geometry.csv", format_csv(g, digits="full").encode())
        write_bytes(tmp, "facts.md", facts_md.encode())
        write_bytes(tmp, "report.html", html_text.encode())
        files.extend(
            ["montage.png"]
            + (["orbit.png"] if orbit_png else [])
            + (["sequence.gif"] if gif else [])
            + ["geometry.csv", "facts.md", "report.html"]
        )

    replace_folder(folder, fill, overwrite=overwrite)
    bar.step("files written")
    return Result(folder, files, findings, verdicts, time.perf_counter() - t_start, notes)


def assess(sc: Scenario, observer, et: np.ndarray, camera, utc: list[str] | None = None):
    """The scenario's geometry at epochs ``et`` (ET seconds, sorted), what paledot computes from it
    (:class:`Findings`) and a :class:`Verdict` on every published claim: ``(g, findings, verdicts)``.
    ``observer`` is the scenario's (see :func:`scenario_observer`), ``camera`` a loaded camera."""
    utc = [str(x) for x in et_to_iso(et)] if utc is None else utc
    # Geometry for the facts: apparent (LT+S) and geometric ranges, the Moon's orbit.
    g = observe(observer, list(sc.targets), et)
    g_geo = observe(observer, list(sc.targets), et, correction="NONE")
    ie, im = g.index("earth"), g.index("moon")
    dense = np.linspace(et[0], et[-1], max(2, int((et[-1] - et[0]) / 3600) + 1))
    moon_geo = observe("earth", "moon", dense, correction="NONE").position.to_value("km")[0]
    earth_range = g.range.to_value("km")[ie]
    diam = g.angular_diameter.to_value("rad")
    mags = g.magnitude.to_value("mag")
    fov = math.degrees(max(camera.field_of_view_rad))
    findings = Findings(
        epochs_utc=tuple(utc),
        observer=g.observer,
        observer_is_body_centre=isinstance(as_observer(observer, default_ephemeris()), BodyCentre),
        earth_range_km=earth_range,
        earth_range_geometric_km=g_geo.range.to_value("km")[ie],
        km_per_px=earth_range * camera.pixel_scale_rad,
        earth_diameter_rad=diam[ie],
        earth_diameter_px=diam[ie] / camera.pixel_scale_rad,
        moon_diameter_px=diam[im] / camera.pixel_scale_rad,
        earth_v=mags[ie],
        moon_v=mags[im],
        sun_elongation_deg=np.degrees(g.sun_elongation.to_value("rad")[ie]),
        field_of_view_deg=fov,
        orbit_fraction=orbit_fraction(moon_geo),
        earth_moon_separation_deg=np.degrees(g.separation("earth", "moon").to_value("rad")),
        **_physics_findings(observer, g, et, camera),
    )
    if sc.facts:
        from .claims_physics import check_published_figures

        check_published_figures(sc.name, sc.facts, findings)
    return g, findings, check_claims(sc.claims, findings)


def sequence_epochs(seq: dict, epochs: np.ndarray) -> np.ndarray:
    """The animation's epochs (ET): the scenario's grid with the published epochs themselves joined
    in at their exact times (sorted, each once), so every one of them is a frame of its own."""
    if not seq:
        return np.array([])
    grid = time_grid(seq["start"], seq["stop"], seq.get("step", "6h"))
    return np.unique(np.concatenate([grid, np.asarray(epochs, dtype=np.float64)]))


def scenario_observer(sc: Scenario, et: np.ndarray):
    """The scenario's observer: a name, or a placement from published figures at the first epoch."""
    placement = dict(sc.observer_placement)
    if not placement:
        return sc.observer
    kind = placement.pop("kind", None)
    if kind != "sun_angle":
        raise PaledotError(f"scenario {sc.name!r}: observer placement kind {kind!r} must be 'sun_angle'")
    from ..observers import place_by_sun_angle

    try:
        return place_by_sun_angle(epoch=f"ET:{float(et[0])!r}", name=sc.observer, **placement)
    except TypeError as exc:
        raise PaledotError(f"scenario {sc.name!r}: observer placement: {exc}") from None


def _montage_crop(frames: list[Frame]) -> tuple[int, int]:
    """Crop (camera px) and zoom for the montage: 200 px at 3x, or, when Earth and Moon both land
    in a frame but further apart, a crop that holds both (up to 720 px) at the zoom that keeps a
    panel near 600 px wide."""
    widest = 0.0
    for f_ in frames:
        inside = [b for b in f_.bodies if b.in_frame]
        for a in inside:
            for b in inside:
                widest = max(widest, abs(a.column - b.column), abs(a.row - b.row))
    if widest + 60 <= 200:
        return 200, 3
    crop = int(min(720, math.ceil(widest * 1.15 + 60)))
    return crop, max(1, 600 // crop)


def _physics_findings(observer, g, et: np.ndarray, camera) -> dict:
    """The extra numbers the physics claim checks need (phases, Sun distances, Earth's place)."""
    ie, im = g.index("earth"), g.index("moon")
    sun = observe(observer, ["sun"], et)
    phase = np.degrees(g.phase_angle.to_value("rad"))
    helio = g.heliocentric_distance.to_value("km")
    return dict(
        earth_phase_deg=phase[ie],
        moon_phase_deg=phase[im],
        moon_range_km=g.range.to_value("km")[im],
        sun_range_km=sun.range.to_value("km")[0],
        earth_sun_km=helio[ie],
        moon_sun_km=helio[im],
        earth_radec_deg=np.stack([g.ra.to_value("deg")[ie], g.dec.to_value("deg")[ie]], axis=-1),
        pixel_scale_rad=camera.pixel_scale_rad,
        earth_fixed_observer_sun=_earth_fixed_directions(g, et),
    )


def _earth_fixed_directions(g, et: np.ndarray) -> np.ndarray:
    """Unit vectors from Earth's centre to the observer and to the Sun, in Earth's body-fixed
    frame (IAU rotation) at the emission epoch: (N, 2, 3)."""
    from ..celestial.orientation import rotation_model

    ie = g.index("earth")
    to_obs = -g.position.to_value("km")[ie]
    to_sun = g.sun_from_target.to_value("km")[ie]
    m, _ = rotation_model("earth").matrix(et - g.light_time.to_value("s")[ie])
    both = np.stack([np.einsum("nij,nj->ni", m, to_obs), np.einsum("nij,nj->ni", m, to_sun)], axis=1)
    return both / np.linalg.norm(both, axis=-1, keepdims=True)


def to_step(text: str) -> float:
    from ..time.timescales import parse_step

    return parse_step(text)
