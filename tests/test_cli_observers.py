"""Bad observers on the command line: one line, exit status 2, no traceback."""

from __future__ import annotations

import numpy as np
import pytest

from paledot import to_et
from paledot.cli import main
from paledot.observers.orbits import KeplerOrbit
from paledot.time.timescales import et_to_time

T = ["--target", "earth", "--time", "2023-05-15T12:00"]


def _oem(path, swap=False, drop=()):
    orbit = KeplerOrbit("mars", epoch="2023-05-15", a_km=9000, e=0.5, inclination=80)
    et = to_et("2023-05-15T00:00")[0] + 60.0 * np.arange(1441)
    pos, vel = orbit.relative_state(et)
    t = et_to_time(et)
    t.precision = 6
    stamps = list(t.isot)
    order = [k for k in range(et.size) if k not in drop]
    if swap:
        order[50], order[51] = order[51], order[50]
    lines = ["CCSDS_OEM_VERS = 2.0", "META_START", "OBJECT_NAME = X", "CENTER_NAME = MARS",
             "REF_FRAME = ICRF", "TIME_SYSTEM = TDB", "INTERPOLATION = LAGRANGE", "INTERPOLATION_DEGREE = 5",
             "META_STOP"]
    lines += [f"{stamps[k]} " + " ".join(repr(float(x)) for x in (*pos[k], *vel[k])) for k in order]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _spk(sp, path):
    from kernels import write_spk13

    orbit = KeplerOrbit("mars", epoch="2023-05-15", a_km=9000, e=0.5, inclination=80)
    et = to_et("2023-05-15T00:00")[0] + 60.0 * np.arange(100)
    write_spk13(sp, path, -999003, 4, et, *orbit.relative_state(et))
    return str(path)


def _cases(tmp_path, spice):
    return [
        ("kepler:mars,peri_alt=300,e=1.2,epoch=2023-05-15", "eccentricity 1.2 is not an ellipse"),
        ("kepler:mars,peri_alt=-50,apo_alt=10000,epoch=2023-05-15",
         "periapsis altitude -50.0 km puts periapsis below Mars's surface"),
        (f"file:{_oem(tmp_path / 'swap.oem', swap=True)}", "times must increase"),
        (f"file:{_oem(tmp_path / 'gap.oem', drop=range(600, 606))}", "a gap of 420 s"),
        (f"spice:NO SUCH CRAFT,kernel={_spk(spice, tmp_path / 'c.bsp')}",
         "unknown NAIF name 'NO SUCH CRAFT'"),
        ("site:mars,lat=95,lon=0", "latitude 95.0 is out of range"),
        ("site:mars,lat=10,lon=0,alt=-100", "below Mars's surface"),
        ("warp:mars", "unknown observer kind 'warp'"),
        ("kepler:mars,peri_alt=300,apo_alt=9000", "needs epoch="),
    ]


def test_bad_observers_are_one_line_exit_2(spice, tmp_path, capsys):
    for observer, needle in _cases(tmp_path, spice):
        for command in (["geometry", "--observer", observer] + T,
                        ["visibility", "--observer", observer, "--target", "earth",
                         "--around", "2023-05-15T12:00", "--window", "1h"]):
            code = main(command)
            out, err = capsys.readouterr()
            assert code == 2, (observer, err)
            assert out == "" and err.count("\n") == 1 and err.startswith("paledot: error: "), err
            assert needle in err, (needle, err)
            assert "Traceback" not in err


def test_good_text_observers_run(spice, tmp_path, capsys):
    good = [
        "kepler:mars,a=9000,e=0.5,i=80,epoch=2023-05-15,plane=j2000",
        "kepler:mars,peri_alt=400,e=1.3,hyperbolic=yes,epoch=2023-05-15",
        "site:earth,lat=52.5,lon=13.4,alt=0.03",
        f"file:{_oem(tmp_path / 'ok.oem')}",
        "fixed:sun,x=1e10,y=0,z=0,vx=0,vy=17,vz=0,epoch=2023-05-15,source=made up for a test",
        "MEX",
    ]
    for observer in good:
        assert main(["geometry", "--observer", observer] + T) == 0, capsys.readouterr().err
        capsys.readouterr()


def test_fixed_state_needs_its_source(capsys):
    assert main(["geometry", "--observer", "fixed:sun,x=1e10,y=0,z=0"] + T) == 2
    assert "needs source=" in capsys.readouterr().err


@pytest.mark.parametrize("extra,needle", [
    (["--start", "2023-05-15"], "give --start and --stop"),
    (["--around", "2023-05-15", "--start", "2023-05-15"], "not both"),
    (["--start", "2023-05-16", "--stop", "2023-05-15"], "later than --start '2023-05-16'"),
])
def test_bad_visibility_windows(capsys, extra, needle):
    code = main(["visibility", "--observer", "mex", "--target", "earth"] + extra)
    assert code == 2 and needle in capsys.readouterr().err
