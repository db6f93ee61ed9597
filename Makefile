# evalreport: `make site` builds every report and the site; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site compile test test-slow data benchmarks clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Bytecode for the project's own modules (pip compiles only the installed packages): every build
# imports them in several processes, and with PYTHONDONTWRITEBYTECODE set they are compiled each time.
compile: $(STAMP)
	$(BIN)/python -m compileall -q evalreport analysis

site: compile
	$(BIN)/evalreport build --to all

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

data: $(STAMP)
	$(BIN)/python -m analysis.synthetic.oto --out data/synthetic/oto
	$(BIN)/python -m analysis.synthetic.bot --out data/synthetic/bot
	$(BIN)/python -m analysis.synthetic.bip --out data/synthetic/bip
	$(BIN)/python -m analysis.synthetic.star --out data/synthetic/star
	$(BIN)/python -m analysis.synthetic.social --out data/synthetic/social

benchmarks: compile
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/build_times.py
	$(BIN)/python benchmarks/incremental.py

clean:
	rm -rf _site .evalreport-cache
