#!/usr/bin/env bash
# Runs Specmatic's generative (resiliency) contract tests and specgate fuzz against the mock with
# each test-only defect seeded alone, and against the conforming mock, each tool given the same
# request budget: the number of tests Specmatic ran on the conforming mock. Prints one line per
# target and tool. Needs java and npm; Specmatic is installed into $OUT/specmatic.
# Usage: bash fuzz/testdata/compare-specmatic.sh   (from the repository root; make compare-specmatic)
set -euo pipefail
OUT=${OUT:-out}
GO=${GO:-go}
mkdir -p "$OUT/specmatic" "$OUT/compare"
OUT=$(cd "$OUT" && pwd)
if [ ! -f "$OUT/specmatic/node_modules/specmatic/specmatic.jar" ]; then
  (cd "$OUT/specmatic" && npm install --no-audit --no-fund --silent specmatic@2.55.1 >/dev/null)
fi
JAR=$OUT/specmatic/node_modules/specmatic/specmatic.jar
$GO build -o "$OUT/compare/seededmock" ./fuzz/testdata/seededmock
$GO build -o "$OUT/compare/specgate" ./cmd/specgate
ROOT=$(pwd)

# specmatic SPEC BASEURL LOG: Specmatic's contract and resiliency tests of one spec.
specmatic() {
  local dir=$OUT/compare/cfg-$(basename "$1" .yaml)
  mkdir -p "$dir"
  cat >"$dir/specmatic.yaml" <<YAML
version: 2
contracts:
  - provides:
      - $1
test:
  resiliencyTests:
    enable: all
security:
  OpenAPI:
    securitySchemes:
      basicAuth:
        type: basicAuth
        token: dXNlcm5hbWU6cGFzc3dvcmQ=
YAML
  (cd "$dir" && java -jar "$JAR" test --testBaseURL="$2" >"$3" 2>&1) || true
}

# run NAME DEFECT: both tools against a fresh mock with DEFECT seeded ("" for none).
run() {
  local name=$1 defect=$2 addr pid
  rm -f "$OUT/compare/$name.addr" "$OUT/compare/$name.addr2"
  "$OUT/compare/seededmock" -defect "$defect" >"$OUT/compare/$name.addr" &
  pid=$!
  for _ in $(seq 50); do [ -s "$OUT/compare/$name.addr" ] && break; sleep 0.1; done
  addr=$(head -1 "$OUT/compare/$name.addr")
  specmatic "$ROOT/specs/nerm-lifecycle.yaml" "http://$addr/api" "$OUT/compare/$name.specmatic-nerm.log"
  specmatic "$ROOT/specs/oig-selfservice.yaml" "http://$addr/iam/governance/selfservice/api/v1" "$OUT/compare/$name.specmatic-oig.log"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local tests=0 failures=0 errors=0 l
  for l in "$OUT/compare/$name".specmatic-*.log; do
    grep -q '^Tests run: ' "$l" || { echo "Specmatic did not run: $l" >&2; tail -3 "$l" >&2; exit 1; }
    tests=$((tests + $(sed -n 's/^Tests run: \([0-9]*\),.*/\1/p' "$l" | tail -1)))
    failures=$((failures + $(sed -n 's/^Tests run: [0-9]*, Successes: [0-9]*, Failures: \([0-9]*\),.*/\1/p' "$l" | tail -1)))
    errors=$((errors + $(sed -n 's/^Tests run: .*, Errors: \([0-9]*\).*/\1/p' "$l" | tail -1)))
  done
  grep -h 'Scenario: .* has FAILED$' "$OUT/compare/$name".specmatic-*.log | sed 's/^ *//' | sort >"$OUT/compare/$name.specmatic-failed.txt" || true
  echo "$name specmatic tests=$tests failures=$failures errors=$errors"
  [ "$errors" = 0 ] || { echo "Specmatic could not reach the mock: see $OUT/compare/$name.specmatic-*.log" >&2; exit 1; }
  [ "$name" = conforming ] && BUDGET=$tests
  "$OUT/compare/seededmock" -defect "$defect" >"$OUT/compare/$name.addr2" &
  pid=$!
  for _ in $(seq 50); do [ -s "$OUT/compare/$name.addr2" ] && break; sleep 0.1; done
  addr=$(head -1 "$OUT/compare/$name.addr2")
  SPECGATE_PASSWORD=password "$OUT/compare/specgate" fuzz --target "http://$addr" --user username \
    --state fuzz/testdata/mock-state.yaml --max-requests "$BUDGET" --format json >"$OUT/compare/$name.fuzz.json" 2>"$OUT/compare/$name.fuzz.log" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$name specgate-fuzz budget=$BUDGET $(sed -n 's/^specgate fuzz: \([0-9]* requests\).*/\1/p' "$OUT/compare/$name.fuzz.log") failing=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"]["failing"], sorted({f["rule"]+" "+f["operation"].split("(")[-1].rstrip(")") for f in d["findings"] if f["level"]=="error"}))' "$OUT/compare/$name.fuzz.json")"
}

BUDGET=0
run conforming ""
for d in long-name-500 accepts-forbidden-status job-status-string no-credentials undocumented-status; do
  run "$d" "$d"
  echo "  specmatic failures not on the conforming mock:"
  comm -13 "$OUT/compare/conforming.specmatic-failed.txt" "$OUT/compare/$d.specmatic-failed.txt" | sed 's/^/    /'
done
