# The project's commands. `make test` is what CI runs (through .ci/run).
GO ?= go
PKGS ?= ./...

.PHONY: test bench bench-http lint build

## test: every test, with the race detector
test:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## bench: the benchmarks recorded in docs/PERFORMANCE.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 30m $(PKGS)

## bench-http: HTTP load benchmarks against a real pasar serve (wrk and a bare handler; checkouts with a Go driver)
bench-http:
	bash bench/catalog.sh
	bash bench/edge.sh
	bash bench/checkout.sh

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## build: the pasar binary
build:
	$(GO) build -o bin/pasar ./cmd/pasar
