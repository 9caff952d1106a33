# portclear: `make run` and `make test` set everything up on a machine that has
# only Python 3.11 and make.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test docs setup lock bench baseline mutation clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m sim

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

# The documentation site (mkdocs.yml, docs/) into site/, the tutorial notebooks executed (their runs
# land in results/ and its catalog); open site/index.html. `make test` builds it strictly without
# executing them (tests/integration/test_docs.py), since the notebook tests run them already.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

# Regression baseline (scenarios/dalian/baseline.json; `make baseline SCENARIO=NAME` for another
# scenario's own): regenerate on purpose after a model change and read what moved (KPI, old, new,
# change vs its tolerance band): the as-configured and the congested run, ~1 min on 2 cores.
baseline: $(STAMP)
	$(PY) -m sim.baseline $(if $(SCENARIO),scenario=$(SCENARIO))

# Benchmarks (not part of `make test`): writes benchmarks/RESULTS.md (~15 min on 2 cores).
# BENCH_QUICK=1 make bench is a 1-2 minute smoke run (writes $TMPDIR/portclear-bench/RESULTS-quick.md).
bench: $(STAMP)
	$(PY) benchmarks/run.py

# Mutation testing of the core (not part of `make test`): mutmut mutates the modules listed in
# pyproject.toml [tool.mutmut], runs the fast tests that reach each mutant, and
# benchmarks/mutation/report.py writes benchmarks/mutation/RESULTS.md (score per module, every
# survivor with the reason it is equivalent, from benchmarks/mutation/survivors.yaml).
# About 25 min on 2 cores. MUTATION_JOBS=N sets the workers (default: every core);
# MUTATION_RESUME=1 keeps mutants/ from the last run and re-tests only what mutmut sees changed.
MUTATION_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
mutation: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[mutation]"
	$(if $(MUTATION_RESUME),,rm -rf mutants)
	start=$$(date +%s) && $(PY) -m mutmut run --max-children $(MUTATION_JOBS) && \
	  $(PY) benchmarks/mutation/report.py --jobs $(MUTATION_JOBS) --seconds $$(( $$(date +%s) - start ))

# Refresh the pinned versions after changing pyproject.toml (needs the registry).
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet -e ".[test,docs,mutation,ray]"
	.lockvenv/bin/pip freeze --all --exclude-editable | grep -v -e '^portclear' -e '^pip==' > constraints.txt
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis site
