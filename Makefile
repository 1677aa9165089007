# dnn_lab: every set-up and check is a make target, so the README, CI and developers run the same commands.
# `make demo`  installs everything (once) and runs the main job on the embedded default stream.
# `make test`  installs everything (once) and runs all tests (notebooks + tests/).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dnn_lab-installed

.PHONY: install demo test test-slow test-slow-ci browser-deps check-clean settings readme nbs check-nbs docs bench clean-venv

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dnn-lab

# Tests run in one worker process per core (pytest-xdist); each worker uses one torch thread.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

# The browser test drives JupyterLab in Debian's Chromium with Playwright (no browser download).
browser-deps:
	@command -v chromium >/dev/null || { echo "installing chromium (Debian package) for the browser test"; \
	  $$( [ $$(id -u) = 0 ] || echo sudo ) apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	  $$( [ $$(id -u) = 0 ] || echo sudo ) apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; }

# --dist loadgroup keeps the tests of one xdist_group on one worker (tests/test_sweep.py's Ray tests share one local Ray).
test-slow: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -n auto --dist loadgroup -m slow

# CI's share of the slow tests within its 30 minutes on 2 cores: the browser tests, the sweeps on a real local Ray and the
# long end-to-end runs; the notebooks' slow cells (research-size sweeps, tens of minutes in all) run with `make test-slow`.
test-slow-ci: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -n auto --dist loadgroup -m slow -k "not test_notebook_slow_cells"

# settings.ini is written from the settings' declarations in the code (dnn_lab.config, each method's class).
settings: $(STAMP)
	$(BIN)/python -c "from dnn_lab.config import write_settings; print('written from the declarations:', write_settings())"

# Fails when nbdev-export, nbdev-clean, settings.ini or the README rendering would change a tracked file.
check-clean: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	$(BIN)/nbdev-clean --fname index.ipynb
	$(BIN)/python -c "from dnn_lab.config import write_settings; write_settings()"
	$(BIN)/python tools/render_readme.py
	@changed=$$(git status --porcelain --untracked-files=all -- dnn_lab nbs index.ipynb README.md settings.ini); \
	if [ -n "$$changed" ]; then echo "nbdev-export / nbdev-clean / README rendering changed tracked files:"; \
	  echo "$$changed"; git --no-pager diff --stat; \
	  echo "Run 'make check-clean' locally and commit the result."; exit 1; fi
	@echo "check-clean: nbs/, dnn_lab/, settings.ini, index.ipynb and README.md agree"

readme: $(STAMP)
	$(BIN)/python tools/render_readme.py

# Execute the tutorials and component notebooks (and index.ipynb) in place, `slow` cells left out, two at a time: static
# PNG figures (plotly through kaleido and Chromium), a digest of each executed cell's source, nbdev-clean'ed. By default
# at the small size CI tests (DNN_LAB_SMALL=1; each notebook's first output line says so): 53 min of notebook time on this
# 2-core machine when they ran one at a time with one thread each, beside other jobs (the sum of make nbs's lines);
# NBS_SIZE=full executes the tutorials at the defaults of settings.ini instead (each tutorial's Runtime line gives its time).
# One notebook or a few: `make nbs NBS="nbs/09_metrics.ipynb nbs/tutorials/01_forgetting.ipynb"`.
NBS ?=
NBS_SIZE ?= small
nbs: $(STAMP) browser-deps
	$(BIN)/python tools/run_nbs.py --keep-going --jobs 2 $(if $(filter full,$(NBS_SIZE)),,--small) $(NBS)
	$(BIN)/python tools/render_readme.py

# Fails when an executed cell's source changed since `make nbs`, a figure cell lost its output, an output is dynamic
# (widget, plotly JSON) or a notebook is over 1 MB.
check-nbs: $(STAMP)
	$(BIN)/python tools/check_nbs.py $(NBS)

# The static docs site in _docs/ (not tracked): a page per notebook with the outputs it was committed with, an index
# with the course outline (from index.ipynb), an API page per module. Open _docs/index.html.
docs: $(STAMP)
	$(BIN)/python tools/build_docs.py

bench: $(STAMP)
	$(BIN)/python bench/bench_methods.py

clean-venv:
	rm -rf $(VENV)
