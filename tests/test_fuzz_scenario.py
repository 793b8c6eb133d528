"""Fuzzing the scenario reader (``paledot.stories.scenarios``): a Scenario or a one-line PaledotError.
Running a fuzzed scenario end to end is too slow for thousands of cases; its numbers are checked
where they are used (claims that compute NaN say ``cannot judge``)."""

from __future__ import annotations

from importlib.resources import files

from fuzzing import FUZZ, outcome
from hypothesis import example, given
from hypothesis import strategies as st
from test_fuzz_readers import _mutate

from paledot.stories.scenarios import _parse

SCENARIO = files("paledot.stories.scenarios").joinpath("mex-2023.toml").read_text()


@FUZZ
@given(
    st.one_of(
        st.builds(_mutate, st.just(SCENARIO), st.data()),
        st.integers(1, 5000).map(lambda n: "name = " + "[" * n + "]" * n),
    )
)
@example("x = " + "[" * 3000 + "]" * 3000)
@example(SCENARIO.replace("auto_fraction", "auto_fraction = nan\n#", 1))
def test_fuzz_scenario_toml(text):
    outcome("scenario TOML", lambda: _parse(text, "fuzz.toml"))
