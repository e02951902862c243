# specgate — the README's two commands are `make demo` and `make test`.
GO      ?= go
OUT     ?= out
PKGS     = $(shell $(GO) list ./... | grep -v /suites)
# testkit/ is a module of its own (github.com/specgate/specgate/testkit): the HAR recorder, the
# spec-tree generator and the tests that need Chromium or a pseudo-terminal, with chromedp and
# creack/pty, which the library's module does not require. Every target that tests, vets or runs
# them does so with `$(GO) -C testkit`.
TESTKIT  = testkit
# The version and commit `specgate version` prints, stamped at link time: go build records the VCS
# revision only in a plain git checkout and never under -buildvcs=false, go run never.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  = -X github.com/specgate/specgate/internal/cli.buildVersion=$(VERSION) -X github.com/specgate/specgate/internal/cli.buildCommit=$(COMMIT)
BIN     ?= specgate

.PHONY: demo test vet fmt-check unit suites build clean bench bench-bulk bench-memory bench-fuzz compare-specmatic fuzz fuzz-mock gate demo-proxy bench-proxy setup har-fixtures report-browser corpus

## demo: validate the documented examples of the four endpoints with the embedded specs, then
## lint faithful copies of the NERM pages. Both find the pages' defects and exit 1: that is what
## the demo exists to show, so exit 1 is expected here; 2 (an error) is not.
demo:
	@mkdir -p $(OUT) && $(GO) build -ldflags "$(LDFLAGS)" -o $(OUT)/specgate ./cmd/specgate
	@echo "== specgate validate: the pages' documented examples against the embedded specs"
	@# </dev/null: with no INPUT, validate reads a piped stdin; the demo wants the bundled examples.
	@$(OUT)/specgate validate </dev/null; code=$$?; \
	if [ $$code -eq 1 ]; then echo "(exit 1: findings, as expected: the documented uid examples are 36 characters)"; fi; \
	test $$code -le 1
	@echo
	@echo "== specgate lint: the NERM pages as published (specs/testdata/faithful)"
	@$(OUT)/specgate lint specs/testdata/faithful/nerm-patch-user-profiles.json specs/testdata/faithful/nerm-patch-user.json; code=$$?; \
	if [ $$code -eq 1 ]; then echo "(exit 1: findings, as expected: the published oneOf branches accept the same replies)"; fi; \
	test $$code -le 1

## build: the specgate binary in ./specgate (BIN=path elsewhere), its version and commit stamped
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/specgate

## test: everything CI runs: formatting, vet, unit tests (race detector on), Ginkgo suites, in
## both modules (the library's and testkit's).
test: setup fmt-check vet unit suites report-browser

## setup: what the tests need besides Go, from Debian's packages: Chromium (testkit's browser
## tests of the HTML report and its HAR recorder), mitmproxy (the proxy-exported HAR) and
## nginx-light (the proxy's adversarial suite puts nginx in front of and behind specgate proxy).
## Installs only what is missing, so it costs nothing once done.
SUDO ?= $(shell [ "$$(id -u)" = 0 ] || echo sudo)
setup:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v mitmdump >/dev/null 2>&1 || missing="$$missing mitmproxy"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

## report-browser: the HTML report in headless Chromium without the race detector, including the
## 100,000-exchange page (under 10 MB, opens in under 2 s); screenshots land in out/.
report-browser: setup
	$(GO) -C $(TESTKIT) test -count=1 -run HTMLReport -v ./htmlreport/

## har-fixtures: record internal/traffic/testdata/browser/{chromium,mitmproxy}.har again, with
## testkit's harrecord.
har-fixtures: setup
	$(GO) -C $(TESTKIT) run ./cmd/harrecord -out $(abspath internal/traffic/testdata/browser)

## fmt-check: gofmt on every tracked Go file, both modules'.
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on: $$out"; exit 1; fi

## vet: go vet in both modules; both go.mod files tidy; and no package of the library's module,
## its tests included, importing what testkit/ exists to keep out of it (chromedp, creack/pty).
vet:
	$(GO) vet ./...
	$(GO) -C $(TESTKIT) vet ./...
	$(GO) mod tidy -diff
	$(GO) -C $(TESTKIT) mod tidy -diff
	@if $(GO) list -deps -test ./... | grep -E '^github.com/(chromedp|creack/pty)(/|$$)'; then \
	  echo "the library's module imports the packages above: what needs them belongs in testkit/"; exit 1; fi

## unit: every package of both modules under the race detector; then the corpus tests (TestCorpus*, in files
## built with !race: they load, compile and lint some 40 MB of published specs, which under the
## race detector costs minutes and more than a gigabyte) in a pass of their own without it, and
## the schema engine's keyword table once more without it, where its allocation counts are exact.
CORPUS_PKGS = ./specs/ ./validator/ ./internal/lint/ ./internal/cli/
unit:
	$(GO) test -race -count=1 $(PKGS)
	$(GO) -C $(TESTKIT) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestCorpus' $(CORPUS_PKGS)
	$(GO) test -count=1 -run '^TestRealSpecs' ./fuzz/
	$(GO) test -count=1 -run '^TestKeywords$$' ./internal/schema/

suites:
	@mkdir -p $(OUT)
	$(GO) tool ginkgo -r --race --randomize-all --junit-report=$(abspath $(OUT))/junit.xml ./suites

## demo-proxy: run specgate mock and specgate proxy on free loopback ports (read from their log
## lines; MOCK_ADDR, PROXY_ADDR, ADMIN_ADDR fix them), send the pages' cURL examples through the
## proxy and show its log lines, metrics and recording.
demo-proxy:
	LDFLAGS="$(LDFLAGS)" bash docs/demo-proxy.sh

## bench-proxy: the same request mix at concurrency 16 against the mock directly, a plain
## httputil.ReverseProxy (as it comes and with pooled copy buffers) and specgate proxy in report
## mode; prints req/s, p50 and p99.
bench-proxy:
	$(GO) test -run XXX -bench ProxyLoad -benchtime 1x ./internal/proxy

## gate: the CI gate on API changes (docs/ci.md): lint the specs and contracts, diff the specs
## against their revision at BASE (a git ref), and run the offline suites. Every step runs even
## when one fails, each is reported, and the gate exits with the worst code. GATE_FORMAT picks the
## report format of lint and diff (text, json, junit, sarif or github); GATE_STEPS a subset.
BASE        ?= origin/main
GATE_FORMAT ?= text
GATE_STEPS  ?= lint diff suites
gate:
	@BASE=$(BASE) GATE_FORMAT=$(GATE_FORMAT) GATE_STEPS="$(GATE_STEPS)" GATE_SARIF=$(GATE_SARIF) OUT=$(OUT) GO=$(GO) LDFLAGS="$(LDFLAGS)" bash docs/gate.sh

## bench: (a) specgate, (b) kin-openapi's openapi3filter, (c) an encoding/json decode floor on
## the same exchanges, per mix, with the ratios a/b (target <= 0.7) and a/c (target <= 2.5);
## then loading and linting a generated 500-file spec tree (testkit/specgen).
bench:
	@mkdir -p $(OUT)
	$(GO) test -run XXX -bench Validate -benchmem -count $${COUNT:-5} ./validator/ | tee $(OUT)/bench.txt
	@awk '/^BenchmarkValidate\// { split($$1, p, "/"); sub(/-[0-9]+$$/, "", p[3]); k = p[2] "/" p[3]; ns[k] += $$3; al[k] += $$7; n[k]++; mixes[p[2]] = 1 } \
	END { printf "\n%-8s %12s %12s %12s %6s %6s %10s %10s %10s\n", "mix", "specgate ns", "kin ns", "floor ns", "a/b", "a/c", "a allocs", "b allocs", "c allocs"; \
	  for (m in mixes) { a = ns[m "/specgate"] / n[m "/specgate"]; b = ns[m "/kin-openapi"] / n[m "/kin-openapi"]; c = ns[m "/decode-floor"] / n[m "/decode-floor"]; \
	    printf "%-8s %12.0f %12.0f %12.0f %6.2f %6.2f %10.0f %10.0f %10.0f\n", m, a, b, c, a / b, a / c, al[m "/specgate"] / n[m "/specgate"], al[m "/kin-openapi"] / n[m "/kin-openapi"], al[m "/decode-floor"] / n[m "/decode-floor"] } }' $(OUT)/bench.txt
	$(GO) -C $(TESTKIT) test -run XXX -bench 'LoadTree500|LintTree500' -benchtime 5x ./specgen/

## corpus: load and lint every published document of ../shared/real-specs/roots.txt, each in a
## child process: one line per document (load ok or its error, lint findings by rule id, lint
## time, the child's peak RSS), then the totals. REDOCLY=path/to/redocly also times Redocly
## CLI's lint on each document in the same run (npm install @redocly/cli outside the repository).
REDOCLY ?=
corpus:
	@mkdir -p $(OUT) && $(GO) build -o $(OUT)/lintcorpus ./internal/lint/cmd/lintcorpus
	$(OUT)/lintcorpus $(if $(REDOCLY),-redocly $(REDOCLY)) ../shared/real-specs/roots.txt

## bench-bulk: specgate validate over a generated 1 GiB HAR (exchanges/s, MB/s, peak RSS).
bench-bulk:
	SPECGATE_BENCH_HAR_MB=$${SPECGATE_BENCH_HAR_MB:-1024} $(GO) test -run XXX -bench LargeHAR -benchtime 1x -timeout 30m ./internal/bulk/

## bench-memory: peak RSS of specgate validate (a child process) on a .har.gz whose one entry has
## a 3 GiB body, and on a 200 MB HAR (json and html reports); fails above 256 MiB.
bench-memory:
	$(GO) test -run XXX -bench ValidatePeakRSS -benchtime 1x -timeout 30m ./internal/bulk/

## bench-fuzz: generation plus checking per generated request (specgate fuzz, no network).
bench-fuzz:
	$(GO) test -run XXX -bench GenerateAndCheck -benchtime 200x -count $${COUNT:-3} ./fuzz/

## fuzz-mock: specgate fuzz against specgate mock on loopback (MOCK_ADDR), with the mock's
## seeded identifiers as state; SEED and MAX_REQUESTS pick the run.
MOCK_ADDR    ?= 127.0.0.1:18790
SEED         ?= 1
MAX_REQUESTS ?= 2000
fuzz-mock: build
	@$(abspath $(BIN)) mock --listen $(MOCK_ADDR) 2>/dev/null & pid=$$!; trap "kill $$pid" EXIT; \
	for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://$(MOCK_ADDR)/ && break; sleep 0.2; done; \
	SPECGATE_PASSWORD=password $(abspath $(BIN)) fuzz --target http://$(MOCK_ADDR) --user username \
	  --state fuzz/testdata/mock-state.yaml --seed $(SEED) --max-requests $(MAX_REQUESTS)

## compare-specmatic: Specmatic's generative tests (npm specmatic, needs java) and specgate fuzz
## against the mock with each test-only defect seeded alone, at Specmatic's request count.
compare-specmatic:
	OUT=$(OUT) GO=$(GO) bash fuzz/testdata/compare-specmatic.sh

## fuzz: run every fuzz target for FUZZTIME each (default 1m), then keep the corpus it found in
## the package's testdata/fuzz, where every `go test` replays it.
FUZZTIME ?= 1m
fuzz:
	@cache=$$($(GO) env GOCACHE)/fuzz; \
	for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run XXX -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	    if [ -d "$$cache/$$pkg/$$t" ]; then mkdir -p "$$dir/testdata/fuzz/$$t" && cp "$$cache/$$pkg/$$t"/* "$$dir/testdata/fuzz/$$t/"; fi; \
	  done; \
	done

clean:
	rm -rf $(OUT) specgate
