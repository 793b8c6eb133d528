# The two commands of the README. Each does all set-up itself on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test lint bench clean fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[report]'
	touch $@

# The viewer's browser tests drive Debian's chromium: installed here where apt-get can (as root);
# elsewhere those tests skip, saying why.
$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,dev]'
	command -v chromium >/dev/null || (command -v apt-get >/dev/null && apt-get update -qq && \
		apt-get install -y -qq chromium) || true
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(VENV)/bin/paledot demo --overwrite

test: $(STAMP_TEST)
	$(PY) -m pytest -q

# The long fuzz profile: >= 100,000 generated inputs per reader (tests/fuzzing.py); takes about an
# hour on two cores. Counts go to fuzz-report.jsonl and are summed at the end.
fuzz: $(STAMP_TEST)
	rm -f fuzz-report.jsonl
	PALEDOT_FUZZ=long PALEDOT_FUZZ_REPORT=fuzz-report.jsonl $(PY) -m pytest -q -p no:cacheprovider \
		tests/test_fuzz_readers.py tests/test_fuzz_scenario.py tests/test_fuzz_spk.py
	$(PY) tests/fuzzing.py fuzz-report.jsonl

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check src tests bench

bench: $(STAMP_TEST)
	$(PY) bench/geometry.py && $(PY) bench/tables.py && $(PY) bench/blocks.py && $(PY) bench/render.py && \
		$(PY) bench/observers.py && $(PY) bench/measure.py && $(PY) bench/plan.py && $(PY) bench/scale.py && \
		$(PY) bench/view.py

clean:
	rm -rf $(VENV) paledot-out
