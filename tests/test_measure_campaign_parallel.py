"""A campaign folder measured on a local pool gives exactly what one process gives."""

from __future__ import annotations

import json
import warnings

import pytest

pytest.importorskip("sep")

from paledot.cli import main  # noqa: E402
from paledot.measure.campaign import measure_campaign  # noqa: E402
from paledot.render import Scene, render  # noqa: E402
from paledot.render.files import write_fits  # noqa: E402

TIMES = ("2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("campaign")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n, t in enumerate(TIMES):
            write_fits(render(Scene(t, "mars", ["earth", "moon"], "hrsc-src", seed=n)), d / f"f{n}.fits")
    return d


def test_two_local_workers_give_the_single_process_result(folder):
    one = measure_campaign(folder, observer="mars", workers=1)
    two = measure_campaign(folder, observer="mars", workers=2)
    assert json.dumps(two.to_dict(), sort_keys=True) == json.dumps(one.to_dict(), sort_keys=True)
    assert one.verdict.startswith("fits")


def test_bad_worker_count_is_one_line(folder, capsys):
    code = main(["measure", "--campaign", str(folder), "--observer", "mars", "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--workers 0" in err
