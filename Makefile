# wasmgw — build, test and run. `make` builds the CLI and every guest module.
GO        ?= go
BIN       := bin/wasmgw
BUILTIN   := runtime/builtin/wasm
GUESTS    := $(notdir $(wildcard guest/modules/*))
GUEST_WASM := $(GUESTS:%=$(BUILTIN)/%.wasm)
HOSTILE   := $(notdir $(wildcard testdata/hostile/go/*))
# The hostile modules of the audit suite, embedded into wasmgw from
# runtime/inspect/wasm: the Go ones built, the WAT ones copied.
HOSTILE_DIR := runtime/inspect/wasm
HOSTILE_GO := $(HOSTILE:%=$(HOSTILE_DIR)/%.wasm)
HOSTILE_WAT := $(patsubst testdata/hostile/wat/%,$(HOSTILE_DIR)/%,$(wildcard testdata/hostile/wat/*.wasm))
HOSTILE_WASM := $(HOSTILE_GO) $(HOSTILE_WAT)
WAT       := $(shell find testdata runtime/inspect/testdata -name "*.wat")
GUEST_ENV := GOOS=wasip1 GOARCH=wasm
GUEST_FLAGS := -buildmode=c-shared -trimpath -buildvcs=false
# The Go version the committed modules were built with: check-wasm compares
# only when the toolchain matches (another Go version emits other bytes).
WASM_GOVERSION := $(BUILTIN)/GOVERSION
FUZZTIME  ?= 30s
FUZZPKG   ?= ./...
FUZZMINTIME ?= 5s
HOME_DIR  ?= testdata/home
PROFILE   ?= alice
MCPSERVER := build/mcpserver
# Benchmark guests (testdata/bench/go/*), built next to hostcalls.wasm.
BENCH_GUESTS := $(patsubst testdata/bench/go/%,testdata/bench/%.wasm,$(wildcard testdata/bench/go/*))
# The Extism comparison: a module of its own (Extism is no dependency of
# wasmgw), its plugin built from guest/interp (committed).
EXTISM_DIR  := testdata/extism
EXTISM_WASM := $(EXTISM_DIR)/wasm/interp.wasm

.PHONY: all guests hostile build test run try fuzz bench bench-extism wat clean mcpserver chaos check-wasm cross testhome wazero-test wazero-vendor

# The patched wazero copy (see RATIONALE.md, "A patched wazero carried in
# the module") lives in runtime/internal/_wazero: the leading underscore
# keeps it out of ./... (go vet, go test -race, fuzz and bench run on our
# packages only); "make wazero-test" runs its own tests of the packages our
# patches touch.
WAZERO_DIR := runtime/internal/_wazero
WAZERO_VERSION ?= v1.12.0
# wazero's packages the patch series touches, plus its engine-level
# integration tests (all run with WithCloseOnContextDone, so through the
# patched checks) and compiler fuzz cases. Run without -race (native code is
# invisible to it) and without the interpreter's twins (no patch touches
# the interpreter; patch 0001's change is tested in internal/wasm):
# about 90 s on 2 cores.
WAZERO_TEST_PKGS := . ./internal/wasm ./internal/engine/wazevo/... \
	./internal/integration_test/engine ./internal/integration_test/fuzzcases

all: build

# The built modules are committed (so that `go build ./cmd/wasmgw` and `go
# install` give a complete binary); `make guests hostile` rebuilds them into
# the tree after a change to their sources, and records the Go version.
guests: $(GUEST_WASM)
	@$(GO) env GOVERSION > $(WASM_GOVERSION)

$(BUILTIN)/%.wasm: $(shell find guest abi -name '*.go') go.mod
	$(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $@ ./guest/modules/$*

hostile: $(HOSTILE_WASM)
	@$(GO) env GOVERSION > $(WASM_GOVERSION)

$(HOSTILE_GO): $(HOSTILE_DIR)/%.wasm: $(shell find guest abi testdata/hostile -name '*.go') go.mod
	$(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $@ ./testdata/hostile/go/$*

$(HOSTILE_WAT): $(HOSTILE_DIR)/%: testdata/hostile/wat/%
	cp $< $@

$(BENCH_GUESTS): testdata/bench/%.wasm: $(shell find abi testdata/bench/go -name '*.go') go.mod
	$(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $@ ./testdata/bench/go/$*

# The test MCP server (stdio, or streamable HTTP with --http); the tests
# build it themselves too, so "go test" alone works.
mcpserver: $(MCPSERVER)

$(MCPSERVER): $(shell find testdata/mcpserver -name '*.go') go.mod
	@mkdir -p build
	$(GO) build -o $@ ./testdata/mcpserver

# The CLI with the committed modules embedded (make guests hostile first
# after changing a guest's sources), stamped with the VCS revision.
build:
	$(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/wasmgw

# All tests, on the committed modules: check-wasm fails if they differ from
# what their sources build, cross checks that the host builds beyond Linux.
# Nothing is written into the tree; fuzz targets run their seed corpus only.
test: check-wasm cross wazero-test
	$(GO) vet ./...
	$(GO) vet ./testdata/mcpserver/...
	$(GO) test -race -count=1 -timeout 30m ./...

# Build every committed module into a temporary directory and compare it
# with the committed bytes. The Go compiler is deterministic for a given
# version (-trimpath, no VCS stamp), so the comparison runs only when this
# toolchain is the one recorded in $(WASM_GOVERSION); otherwise it says so
# and skips.
check-wasm:
	@want=$$(cat $(WASM_GOVERSION) 2>/dev/null); have=$$($(GO) env GOVERSION); \
	if [ "$$want" != "$$have" ]; then \
	  echo "check-wasm: skipped: the committed modules were built with $$want, this toolchain is $$have (install $$want to compare, or run 'make guests hostile' to rebuild them)"; exit 0; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; bad=""; \
	for m in $(GUESTS); do \
	  $(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $$tmp/$$m.wasm ./guest/modules/$$m || exit 1; \
	  cmp -s $$tmp/$$m.wasm $(BUILTIN)/$$m.wasm || bad="$$bad $(BUILTIN)/$$m.wasm"; \
	done; \
	for m in $(HOSTILE); do \
	  $(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $$tmp/$$m.wasm ./testdata/hostile/go/$$m || exit 1; \
	  cmp -s $$tmp/$$m.wasm $(HOSTILE_DIR)/$$m.wasm || bad="$$bad $(HOSTILE_DIR)/$$m.wasm"; \
	done; \
	for f in $(wildcard testdata/hostile/wat/*.wasm); do \
	  cmp -s $$f $(HOSTILE_DIR)/$$(basename $$f) || bad="$$bad $(HOSTILE_DIR)/$$(basename $$f)"; \
	done; \
	if [ -n "$$bad" ]; then echo "check-wasm: the committed modules differ from what their sources build:$$bad"; \
	  echo "check-wasm: run 'make guests hostile' and commit them"; exit 1; fi; \
	echo "check-wasm: the committed modules match their sources ($$have)"

# The host builds beyond Linux: Linux-only features degrade there (see
# docs/platforms.md).
cross:
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=freebsd GOARCH=amd64 $(GO) build ./...

# wazero's own tests for the packages our patches touch (see WAZERO_TEST_PKGS),
# and the whole copy built for arm64 (darwin, whose standard library `cross`
# has just compiled: no second one for linux/arm64).
wazero-test:
	cd $(WAZERO_DIR) && $(GO) test -count=1 -skip Interpreter $(WAZERO_TEST_PKGS)
	cd $(WAZERO_DIR) && GOOS=darwin GOARCH=arm64 $(GO) build ./...

# Re-create the wazero copy from a pristine release and re-apply the patch
# series: make wazero-vendor WAZERO_VERSION=v1.12.0 (RATIONALE.md explains).
wazero-vendor:
	sh $(WAZERO_DIR)/PATCHES/vendor.sh $(WAZERO_VERSION)

# The main job on the sample home: the profile through the real gateway
# path (an embedded loopback connector; stdin lines are inbound messages).
run: build testhome
	$(BIN) run --relay --home $(HOME_DIR) --profile $(PROFILE)

# The tool-level trial: list tools, call them, see the session's audit.
try: build testhome
	$(BIN) run --home $(HOME_DIR) --profile $(PROFILE)

# git keeps only 0644 and 0755: a clone's sample .env files are readable by
# every user, which the audit rightly reports as a high finding. This puts
# them at 0600, as a deployment has them.
testhome:
	@find $(HOME_DIR) -name .env -exec chmod 600 {} +

# Regenerate the hand-written WebAssembly text modules (needs Debian's wabt).
wat:
	@command -v wat2wasm >/dev/null || { echo "wat2wasm not found: apt-get install wabt"; exit 1; }
	for f in $(WAT); do wat2wasm --enable-all -o $${f%.wat}.wasm $$f; done

# Every fuzz target of every package (FUZZPKG, default every package but the wazero copy), each for
# FUZZTIME (make fuzz FUZZTIME=5m FUZZPKG=./runtime/inspect). Minimising
# an input is bounded by FUZZMINTIME (Go's default, 60s, lets the
# minimisation of large inputs eat the whole run). Targets are
# found in the sources, so a package that does not compile is reported as a
# failure instead of being skipped; a failing target does not stop the
# others, and the failures are listed at the end. Seed corpora and any
# crasher live in <package>/testdata/fuzz/<Target>/ (see testdata/fuzz/README.md).
fuzz:
	@failed=""; ran=0; \
	pkgs=$$($(GO) list -e -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' $(FUZZPKG)) || exit 1; \
	for pkg in $$pkgs; do \
	  dir=$$($(GO) list -e -f '{{.Dir}}' $$pkg); \
	  for t in $$(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' $$dir/*_test.go | sort -u); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; ran=$$((ran+1)); \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg || failed="$$failed $$pkg.$$t"; \
	  done; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi; \
	echo "fuzz: $$ran targets ran for $(FUZZTIME) each without a failure"

# Benchmarks (benchstat-friendly, -count 6), then the whole-path load driver:
# 10,000 idle profiles, 100 active, instances per GiB, relay round trips.
BENCHCOUNT ?= 6
BENCHFLAGS ?= --profiles 10000 --active 100 --instances 200
bench: build $(BENCH_GUESTS)
	@mkdir -p build
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./... | tee build/bench.txt
	$(BIN) bench $(BENCHFLAGS) | tee build/bench-load.txt

# wasmgw against Extism on 20 secret lookups, in one run (-count
# BENCHCOUNT), from the nested module testdata/extism (its own go.mod:
# Extism's SDK comes from the Go module proxy on first use); not part of
# make test or make bench. Figures: docs/performance.md, "wasmgw and Extism".
bench-extism: $(EXTISM_WASM)
	@mkdir -p build
	cd $(EXTISM_DIR) && $(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) | tee ../../build/bench-extism.txt

$(EXTISM_WASM): $(shell find guest abi $(EXTISM_DIR)/guest -name '*.go') $(EXTISM_DIR)/go.mod go.mod
	cd $(EXTISM_DIR) && $(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o wasm/interp.wasm ./guest/interp

# The relay chaos test in its long form: the test connector killed and
# restarted CHAOS_KILLS times with CHAOS_MESSAGES buffered and live messages
# in flight; it prints the counts (lost, duplicated, misrouted must be 0).
# "make test" runs the same test in a short form.
CHAOS_KILLS    ?= 50
CHAOS_MESSAGES ?= 1000
chaos:
	@mkdir -p build
	@WASMGW_CHAOS_KILLS=$(CHAOS_KILLS) WASMGW_CHAOS_MESSAGES=$(CHAOS_MESSAGES) \
	  $(GO) test -race -count=1 -run '^TestGatewayChaosConnectorKills$$' -v ./relay/ > build/chaos.txt 2>&1; rc=$$?; \
	  grep -E '^(---|ok|FAIL)|chaos:|_test.go' build/chaos.txt | head -50; exit $$rc

clean:
	rm -rf bin build $(BENCH_GUESTS)
