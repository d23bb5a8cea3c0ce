# The README's two commands: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit test-slow clean generate docs

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy cannot follow setuptools' package-dir mapping, so it checks a tree of links shaped like the
# installed package.
TYPECHECK_TREE := build/typecheck
typecheck: $(STAMP)
	rm -rf $(TYPECHECK_TREE) && mkdir -p $(TYPECHECK_TREE)/aicompute
	ln -s $(CURDIR)/aicompute/*.py $(CURDIR)/aicompute/py.typed $(TYPECHECK_TREE)/aicompute/
	for part in provider resources stacks engine localcloud; do ln -s $(CURDIR)/$$part $(TYPECHECK_TREE)/aicompute/$$part; done
	cd $(TYPECHECK_TREE) && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml -p aicompute
	# the examples too, one program at a time (each is a __main__): the resource classes' typing at work
	cd $(TYPECHECK_TREE) && for program in $(CURDIR)/examples/demo.py $(CURDIR)/examples/*/__main__.py $(CURDIR)/examples/*/*/__main__.py; do \
		$(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml --no-error-summary $$program || exit 1; done

# The program-side resource classes and resources/inputs.py are generated from the schemas
# (tests/unit/test_codegen.py fails when the checked-in code is stale).
generate: $(STAMP)
	$(PY) -m aicompute.resources._codegen

# The documentation site: reference pages generated from the schemas (docs/reference/, not checked
# in), then mkdocs-material with warnings as errors. CI calls it; the site lands in build/site.
docs: $(STAMP)
	rm -rf docs/reference
	$(PY) docs/gen_reference.py docs/reference
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir build/site

unit: $(STAMP)
	$(VENV)/bin/pytest -q -n 2 -m "not slow"

test: lint typecheck unit

# The long tests: reliability under faults, crashes and restarts, the examples' full lifecycles,
# the thorough fuzzing of localcloud. CI runs them after `make test`.
test-slow: $(STAMP)
	$(VENV)/bin/pytest -q -n 2 -m slow

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
