"""SpiceSpacecraft and TrajectoryFile against SPICE on a kernel the tests write from a Kepler orbit.

The orbit (Mars-Express-like, about the Mars barycentre) is sampled every 60 s; the same samples
become an SPK type 13 (SPICE's Hermite), a CCSDS OEM (TDB and UTC) and a CSV. Queries fall between
the samples. SpiceSpacecraft must equal SPICE to 1 mm; the files, interpolated by paledot, to 1 m.
"""

from __future__ import annotations

import numpy as np
import pytest

from paledot import Ephemeris, OutOfRangeError, PaledotError, UnknownBodyError, observe, to_et
from paledot.observers.orbits import KeplerOrbit
from paledot.observers.spacecraft import SpiceSpacecraft
from paledot.observers.trajectory import TrajectoryFile
from paledot.time.timescales import et_to_iso

CRAFT_ID, CRAFT_NAME = -999001, "PALEDOT TEST CRAFT"
MAS = np.radians(1 / 3.6e6)
STEP = 60.0


@pytest.fixture(scope="module")
def orbit():
    return KeplerOrbit("mars barycenter", epoch="2023-05-15", periapsis_radius_km=3694.19, e=0.5704,
                       inclination=86, node=40, argp=70, mean_anomaly=10, gm_km3_s2=42828.37362069909,
                       plane="j2000", name="test craft")


@pytest.fixture(scope="module")
def samples(orbit):
    et = to_et("2023-05-15T00:00")[0] + STEP * np.arange(int(86400 / STEP) + 1)
    pos, vel = orbit.relative_state(et)
    return et, pos, vel


@pytest.fixture(scope="module")
def craft_kernels(spice, samples, tmp_path_factory):
    from kernels import write_names, write_spk13

    folder = tmp_path_factory.mktemp("craft")
    spk, names = folder / "craft.bsp", folder / "craft_names.tf"
    write_spk13(spice, spk, CRAFT_ID, 4, *samples)
    write_names(names, {CRAFT_NAME: CRAFT_ID})
    yield str(spk), str(names)


def _oem(path, samples, scale="TDB", interpolation="HERMITE", degree=7, shuffle=None, drop=None):
    et, pos, vel = samples
    if scale == "TDB":
        from paledot.time.timescales import et_to_time

        t = et_to_time(et)
        t.precision = 6
        stamps = t.isot
    else:
        stamps = et_to_iso(et, precision=6)
    order = np.arange(et.size)
    if shuffle is not None:
        order[[shuffle, shuffle + 1]] = order[[shuffle + 1, shuffle]]
    if drop is not None:
        order = np.delete(order, drop)
    lines = ["CCSDS_OEM_VERS = 2.0", "CREATION_DATE = 2024-01-01T00:00:00", "ORIGINATOR = PALEDOT TESTS",
             "", "META_START", "OBJECT_NAME = TEST CRAFT", "OBJECT_ID = 2099-001A",
             "CENTER_NAME = MARS BARYCENTER", "REF_FRAME = EME2000", f"TIME_SYSTEM = {scale}",
             f"START_TIME = {stamps[0]}", f"STOP_TIME = {stamps[-1]}",
             f"INTERPOLATION = {interpolation}", f"INTERPOLATION_DEGREE = {degree}", "META_STOP", "",
             "COMMENT made by the paledot tests from a Kepler orbit"]
    for k in order:
        lines.append(f"{stamps[k]} " + " ".join(f"{x:.9f}" for x in pos[k])
                     + " " + " ".join(f"{x:.12f}" for x in vel[k]))
    path.write_text("\n".join(lines) + "\n")
    return path


def _query(samples, n=500):
    et = samples[0]
    rng = np.random.default_rng(7)
    return np.sort(rng.uniform(et[0] + 1, et[-1] - 1, n))


def test_spice_spacecraft_equals_spice_within_1mm(spice, iau_kernels, craft_kernels, samples):
    craft = SpiceSpacecraft(CRAFT_NAME, craft_kernels)
    assert craft.naif_id == CRAFT_ID and craft.central_body.name == "mars"
    et = _query(samples, 300)
    g = observe(craft, ["earth", "moon", "sun"], et, correction="LT+S")
    for i, target in enumerate(["EARTH", "MOON", "SUN"]):
        ref = np.array([spice.spkpos(target, e, "J2000", "LT+S", CRAFT_NAME)[0] for e in et])
        ours = g.position.to_value("km")[i]
        assert np.abs(np.linalg.norm(ours, axis=1) - np.linalg.norm(ref, axis=1)).max() < 1e-6
        assert np.linalg.norm(ours - ref, axis=1).max() < 1e-6  # 1 mm, direction included


def test_spice_spacecraft_by_id_and_its_coverage_is_enforced(spice, craft_kernels, samples):
    craft = SpiceSpacecraft(CRAFT_ID, [craft_kernels[0]])
    with pytest.raises(OutOfRangeError, match="outside the kernels' coverage"):
        craft.state(Ephemeris(), np.array([samples[0][-1] + 3600.0]))


def test_unknown_naif_name_with_kernels_loaded_is_one_line(craft_kernels):
    with pytest.raises(UnknownBodyError, match="unknown NAIF name 'NO SUCH CRAFT'") as info:
        SpiceSpacecraft("NO SUCH CRAFT", craft_kernels)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("scale", ["TDB", "UTC"])
def test_oem_interpolated_within_1m_of_spice(spice, craft_kernels, samples, tmp_path, scale):
    traj = TrajectoryFile(_oem(tmp_path / "craft.oem", samples, scale=scale))
    assert traj.central_body.name == "mars" and traj.name == "test craft"
    et = _query(samples)
    pos, vel = traj.relative_state(et)
    spice.furnsh(craft_kernels[0])
    ref = np.array([spice.spkgeo(CRAFT_ID, e, "J2000", 4)[0] for e in et])
    # UTC stamps carry 1 us; astropy's and SPICE's TDB-TT differ by microseconds: 1 m still holds.
    assert np.linalg.norm(pos - ref[:, :3], axis=1).max() < 1e-3
    assert np.linalg.norm(vel - ref[:, 3:], axis=1).max() < 1e-6


@pytest.mark.parametrize("with_velocity,degree", [(True, 7), (False, 9)])
def test_csv_interpolated_within_1m_of_spice(spice, craft_kernels, samples, tmp_path, with_velocity, degree):
    et, pos, vel = samples
    rows = ["# CENTER_NAME = MARS BARYCENTER", "# REF_FRAME = ICRF", "# INTERPOLATION = LAGRANGE",
            f"# INTERPOLATION_DEGREE = {degree}",
            "et,x,y,z" + (",vx,vy,vz" if with_velocity else "")]
    for k in range(et.size):
        vals = list(pos[k]) + (list(vel[k]) if with_velocity else [])
        rows.append(",".join([repr(float(et[k]))] + [repr(float(x)) for x in vals]))
    path = tmp_path / "craft.csv"
    path.write_text("\n".join(rows) + "\n")
    traj = TrajectoryFile(path)
    q = _query(samples)
    p, v = traj.relative_state(q)
    ref = np.array([spice.spkgeo(CRAFT_ID, e, "J2000", 4)[0] for e in q])
    assert np.linalg.norm(p - ref[:, :3], axis=1).max() < 1e-3
    assert np.linalg.norm(v - ref[:, 3:], axis=1).max() < 1e-5


def test_oem_observer_gives_the_same_geometry_as_spice(spice, craft_kernels, samples, tmp_path):
    traj = TrajectoryFile(_oem(tmp_path / "craft.oem", samples))
    et = _query(samples, 100)
    g = observe(traj, "earth", et)
    ref = np.array([spice.spkpos("EARTH", e, "J2000", "LT+S", CRAFT_NAME)[0] for e in et])
    ours = g.position.to_value("km")[0]
    assert np.linalg.norm(ours - ref, axis=1).max() < 1e-3


def test_non_monotonic_oem_is_refused_naming_the_line(samples, tmp_path):
    with pytest.raises(PaledotError, match=r"line \d+: times must increase") as info:
        TrajectoryFile(_oem(tmp_path / "bad.oem", samples, shuffle=100))
    assert "\n" not in str(info.value)


def test_gap_beyond_the_interpolation_is_refused(samples, tmp_path):
    with pytest.raises(PaledotError, match="a gap of 360 s") as info:
        TrajectoryFile(_oem(tmp_path / "gap.oem", samples, drop=np.arange(200, 205)))
    assert "\n" not in str(info.value)
    # a single missing sample (120 s) is within what the interpolation bridges
    TrajectoryFile(_oem(tmp_path / "ok.oem", samples, drop=[300]))


def test_epochs_outside_the_file_name_its_span(samples, tmp_path):
    traj = TrajectoryFile(_oem(tmp_path / "craft.oem", samples))
    with pytest.raises(OutOfRangeError, match="it covers 2023-05-15T00:0"):
        traj.relative_state([samples[0][-1] + 10.0])


@pytest.mark.parametrize("old,new,needle", [
    ("CENTER_NAME = MARS BARYCENTER", "CENTER_NAME = VULCAN", "CENTER_NAME 'VULCAN'"),
    ("REF_FRAME = EME2000", "REF_FRAME = MARS_MME", "REF_FRAME 'MARS_MME' is not supported"),
    ("INTERPOLATION = HERMITE", "INTERPOLATION = SPLINE", "INTERPOLATION 'SPLINE'"),
])
def test_unusable_metadata_is_named(samples, tmp_path, old, new, needle):
    path = _oem(tmp_path / "craft.oem", samples)
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(PaledotError, match=needle):
        TrajectoryFile(path)
