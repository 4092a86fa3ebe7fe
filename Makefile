# wasmgw — build, test and run. `make` builds the CLI and every guest module.
GO        ?= go
BIN       := bin/wasmgw
BUILTIN   := runtime/builtin/wasm
GUESTS    := $(notdir $(wildcard guest/modules/*))
GUEST_WASM := $(GUESTS:%=$(BUILTIN)/%.wasm)
HOSTILE   := $(notdir $(wildcard testdata/hostile/go/*))
HOSTILE_WASM := $(HOSTILE:%=build/hostile/%.wasm)
WAT       := $(shell find testdata -name "*.wat")
GUEST_ENV := GOOS=wasip1 GOARCH=wasm
GUEST_FLAGS := -buildmode=c-shared -trimpath
FUZZTIME  ?= 30s
HOME_DIR  ?= testdata/home

.PHONY: all guests hostile build test test-short run fuzz bench wat vet clean

all: build

guests: $(GUEST_WASM)

$(BUILTIN)/%.wasm: $(shell find guest abi -name '*.go') go.mod
	$(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $@ ./guest/modules/$*

hostile: $(HOSTILE_WASM)

build/hostile/%.wasm: $(shell find guest abi testdata/hostile -name '*.go') go.mod
	@mkdir -p build/hostile
	$(GUEST_ENV) $(GO) build $(GUEST_FLAGS) -o $@ ./testdata/hostile/go/$*

build: guests
	$(GO) build -trimpath -o $(BIN) ./cmd/wasmgw

# All tests. Guests are built first; fuzz targets run their seed corpus only.
test: guests hostile
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

run: build
	$(BIN) run --home $(HOME_DIR) --profile alice

# Regenerate the hand-written WebAssembly text modules (needs Debian's wabt).
wat:
	@command -v wat2wasm >/dev/null || { echo "wat2wasm not found: apt-get install wabt"; exit 1; }
	for f in $(WAT); do wat2wasm --enable-all -o $${f%.wat}.wasm $$f; done

# Every fuzz target, each for FUZZTIME (make fuzz FUZZTIME=5m).
fuzz: guests
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench: guests hostile
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee build/bench.txt

clean:
	rm -rf bin build $(BUILTIN)/*.wasm
