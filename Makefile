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
GUEST_FLAGS := -buildmode=c-shared -trimpath
FUZZTIME  ?= 30s
FUZZPKG   ?= $(PKGS)
FUZZMINTIME ?= 5s
HOME_DIR  ?= testdata/home
PROFILE   ?= alice
MCPSERVER := build/mcpserver
# Benchmark guests (testdata/bench/go/*), built next to hostcalls.wasm.
BENCH_GUESTS := $(patsubst testdata/bench/go/%,testdata/bench/%.wasm,$(wildcard testdata/bench/go/*))

.PHONY: all guests hostile build test run try fuzz bench wat clean mcpserver wazero-test wazero-vendor

# The patched wazero copy (runtime/internal/wazero, see RATIONALE.md) is
# not ours to vet or race-test as a whole: "make wazero-test" runs its own
# tests of the packages our patches touch. Everything else is PKGS.
WAZERO_DIR := runtime/internal/wazero
WAZERO_VERSION ?= v1.12.0
PKGS = $(shell $(GO) list ./... | grep -v /$(WAZERO_DIR))
# wazero's packages the patch series touches, plus its engine-level
# integration tests (all run with WithCloseOnContextDone, so through the
# patched checks) and compiler fuzz cases. Run without -race (native code is
# invisible to it) and without the interpreter's twins (no patch touches
# the interpreter; patch 0001's change is tested in internal/wasm):
# about 90 s on 2 cores.
WAZERO_TEST_PKGS := . ./internal/wasm ./internal/engine/wazevo/... \
	./internal/integration_test/engine ./internal/integration_test/fuzzcases

all: build

guests: $(GUEST_WASM)

$(BUILTIN)/%.wasm: $(shell find guest abi -name '*.go') go.mod
	$(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $@ ./guest/modules/$*

hostile: $(HOSTILE_WASM)

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

build: guests hostile
	$(GO) build -trimpath -o $(BIN) ./cmd/wasmgw

# All tests. Guests are built first; fuzz targets run their seed corpus only.
test: guests hostile $(MCPSERVER) wazero-test
	$(GO) vet $(PKGS)
	$(GO) vet ./testdata/mcpserver/...
	$(GO) test -race -count=1 $(PKGS)

# wazero's own tests for the packages our patches touch (see WAZERO_TEST_PKGS).
wazero-test:
	cd $(WAZERO_DIR) && $(GO) test -count=1 -skip Interpreter $(WAZERO_TEST_PKGS)
	GOARCH=arm64 $(GO) build ./$(WAZERO_DIR)/...

# Re-create the wazero copy from a pristine release and re-apply the patch
# series: make wazero-vendor WAZERO_VERSION=v1.12.0 (RATIONALE.md explains).
wazero-vendor:
	sh $(WAZERO_DIR)/PATCHES/vendor.sh $(WAZERO_VERSION)

# The main job on the sample home: the profile through the real gateway
# path (an embedded loopback connector; stdin lines are inbound messages).
run: build
	$(BIN) run --relay --home $(HOME_DIR) --profile $(PROFILE)

# The tool-level trial: list tools, call them, see the session's audit.
try: build
	$(BIN) run --home $(HOME_DIR) --profile $(PROFILE)

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
fuzz: guests hostile
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
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) $(PKGS) | tee build/bench.txt
	$(BIN) bench $(BENCHFLAGS) | tee build/bench-load.txt

clean:
	rm -rf bin build $(BUILTIN)/*.wasm $(HOSTILE_DIR)/*.wasm $(BENCH_GUESTS)
