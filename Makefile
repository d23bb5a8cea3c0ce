# The README's two commands: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit test-slow clean generate docs pulumi kubernetes pulumi-kubernetes

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

# The real Pulumi CLI, the reference engine of the tests (tests/support/pulumi_cli.py finds it here),
# built from the Go module proxy through the project's own Go modules in tools/. See docs/guide/pulumi-cli.md,
# "make pulumi". A second run does nothing; Go's module and build caches are reused.
PULUMI_VERSION := v3.277.0
PULUMI_HOST_SDK := v3.79.0
PULUMI_BIN := .tools/pulumi/bin
PULUMI_STAMP := $(PULUMI_BIN)/.built-$(PULUMI_VERSION)
GO_VERSION_FLAG := -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
PULUMI_MODULES := tools/pulumi/go.mod tools/pulumi/go.sum tools/pulumi-language-python/go.mod tools/pulumi-language-python/go.sum

pulumi: $(PULUMI_STAMP)

$(PULUMI_STAMP): $(PULUMI_MODULES)
	@command -v go >/dev/null 2>&1 || { echo "make pulumi: no Go toolchain on PATH (Go 1.26.6 or newer is needed to build the Pulumi CLI from the Go module proxy)." >&2; exit 1; }
	@(cd tools/pulumi && go mod download) && (cd tools/pulumi-language-python && go mod download) || { echo "make pulumi: the Go module proxy ($$(go env GOPROXY)) did not serve the Pulumi modules named in tools/*/go.mod." >&2; exit 1; }
	mkdir -p $(PULUMI_BIN)
	cd tools/pulumi && go build -ldflags "$(GO_VERSION_FLAG)=$(PULUMI_VERSION)" -o $(CURDIR)/$(PULUMI_BIN)/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	cd tools/pulumi-language-python && go build -ldflags "$(GO_VERSION_FLAG)=$(PULUMI_HOST_SDK)" -o $(CURDIR)/$(PULUMI_BIN)/pulumi-language-python github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
	sdk=$$(cd tools/pulumi && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3) && \
		install -m 755 $$sdk/python/cmd/pulumi-language-python-exec $$sdk/python/dist/pulumi-resource-pulumi-python $(PULUMI_BIN)/
	rm -f $(PULUMI_BIN)/.built-* && touch $@

# A Kubernetes control plane for the tests (tests/support/kubernetes_cluster.py): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok (fake nodes and pods); and (pulumi-kubernetes) the
# pulumi-kubernetes provider plugin beside the Pulumi CLI. Each is built from the Go module proxy
# through tools/<name>/go.mod. See docs/guide/pulumi-cli.md, "make kubernetes". A second run does nothing.
KUBERNETES_BIN := .tools/kubernetes/bin
KUBERNETES_STAMP := $(KUBERNETES_BIN)/.built
PULUMI_KUBERNETES_STAMP := $(PULUMI_BIN)/.provider-kubernetes-built
KUBERNETES_MODULES := $(foreach m,kubernetes etcd kwok,tools/$(m)/go.mod tools/$(m)/go.sum)
PULUMI_KUBERNETES_PKG := github.com/pulumi/pulumi-kubernetes/provider/v4
# tools/kubernetes/go.mod requires k8s.io/kubernetes at this version.
KUBERNETES_VERSION := v1.34.4
# The version the API server reports (clients such as pulumi-kubernetes ask it); -s -w: no debug symbols.
KUBERNETES_LDFLAGS := -s -w $(foreach pkg,k8s.io/component-base/version k8s.io/client-go/pkg/version,\
	-X $(pkg).gitVersion=$(KUBERNETES_VERSION) -X $(pkg).gitMajor=1 -X $(pkg).gitMinor=34 -X $(pkg).gitTreeState=clean)

kubernetes: $(KUBERNETES_STAMP)

pulumi-kubernetes: $(PULUMI_KUBERNETES_STAMP)

$(KUBERNETES_STAMP): $(KUBERNETES_MODULES)
	@command -v go >/dev/null 2>&1 || { echo "make kubernetes: no Go toolchain on PATH (Go 1.26 or newer)." >&2; exit 1; }
	mkdir -p $(KUBERNETES_BIN)
	cd tools/kubernetes && go build -ldflags "$(KUBERNETES_LDFLAGS)" -o $(CURDIR)/$(KUBERNETES_BIN)/ k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
	cd tools/etcd && go build -ldflags "-s -w" -o $(CURDIR)/$(KUBERNETES_BIN)/etcd go.etcd.io/etcd/server/v3
	cd tools/kwok && go build -ldflags "-s -w" -o $(CURDIR)/$(KUBERNETES_BIN)/kwok sigs.k8s.io/kwok/cmd/kwok
	touch $@

$(PULUMI_KUBERNETES_STAMP): tools/pulumi-kubernetes/go.mod tools/pulumi-kubernetes/go.sum tools/pulumi-kubernetes/main.go
	@command -v go >/dev/null 2>&1 || { echo "make pulumi-kubernetes: no Go toolchain on PATH (Go 1.26 or newer)." >&2; exit 1; }
	mkdir -p $(PULUMI_BIN)
	cd tools/pulumi-kubernetes && go mod download && version=$$(go list -m -f '{{.Version}}' $(PULUMI_KUBERNETES_PKG)) && \
		python3 embed_files.py "$$(go list -m -f '{{.Dir}}' $(PULUMI_KUBERNETES_PKG))/cmd/pulumi-resource-kubernetes" "$${version#v}" && \
		go build -ldflags "-s -w -X $(PULUMI_KUBERNETES_PKG)/pkg/version.Version=$${version#v}" -o $(CURDIR)/$(PULUMI_BIN)/pulumi-resource-kubernetes .
	touch $@

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
