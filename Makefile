# specgate — the README's two commands are `make demo` and `make test`.
GO      ?= go
OUT     ?= out
PKGS     = $(shell $(GO) list ./... | grep -v /suites)

.PHONY: demo test vet fmt-check unit suites build clean

## demo: validate the documented examples of the four endpoints with the embedded specs.
demo:
	$(GO) run ./cmd/specgate validate

## build: the specgate binary in ./specgate
build:
	$(GO) build -o specgate ./cmd/specgate

## test: everything CI runs: formatting, vet, unit tests (race detector on), Ginkgo suites.
test: fmt-check vet unit suites

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on: $$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 $(PKGS)

suites:
	@mkdir -p $(OUT)
	$(GO) tool ginkgo -r --race --randomize-all --junit-report=$(abspath $(OUT))/junit.xml ./suites

clean:
	rm -rf $(OUT) specgate
