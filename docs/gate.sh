#!/usr/bin/env bash
# gate: the CI gate on API changes (docs/ci.md), run by `make gate`. Every step runs even when an
# earlier one fails, so that a pull request shows the lint findings and the breaking changes
# together; each step's exit code is reported at the end, and the gate exits with the worst one
# (1 findings, 2 an error). Steps: lint the specs and contracts, diff the specs against their
# revision at BASE (a git ref), run the offline Ginkgo suites.
#
# Environment: BASE (default origin/main), GATE_FORMAT (text, json, junit, sarif or github; default
# text), GATE_STEPS (default "lint diff suites"), GATE_SARIF (a folder: also write lint.sarif and
# diff.sarif there, for code scanning), OUT (default out), GO (default go), LDFLAGS.
set -uo pipefail
cd "$(dirname "$0")/.."

BASE=${BASE:-origin/main}
FORMAT=${GATE_FORMAT:-text}
STEPS=${GATE_STEPS:-lint diff suites}
OUT=${OUT:-out}
GO=${GO:-go}
gate=$OUT/_gate # a folder whose name starts with "_", which the go tool ignores
bin=$gate/specgate

worst=0
summary=()
record() { # record STEP CODE
	summary+=("$(printf '  %-7s %s' "$1" "$2")")
	if [ "$2" != skipped ] && [ "$2" -gt "$worst" ]; then worst=$2; fi
}

rm -rf "$gate/base" && mkdir -p "$gate/base" || exit 2
if ! "$GO" build -ldflags "${LDFLAGS:-}" -o "$bin" ./cmd/specgate; then
	echo "gate: specgate does not build" >&2
	exit 2
fi

for step in $STEPS; do
	echo "== gate: $step"
	case $step in
	lint)
		"$bin" lint --format "$FORMAT"
		code=$?
		if [ -n "${GATE_SARIF:-}" ]; then
			mkdir -p "$GATE_SARIF" && "$bin" lint --quiet --format sarif --fail-on none -o "$GATE_SARIF/lint.sarif" || code=2
		fi
		record lint "$code"
		;;
	diff)
		if ! git archive --format=tar "$BASE" specs | tar -x -C "$gate/base"; then
			echo "gate: cannot read specs/ at $BASE (fetch it, or set BASE to a ref that exists)" >&2
			record diff 2
			continue
		fi
		"$bin" diff --format "$FORMAT" --fail-on breaking "$gate/base/specs" specs
		code=$?
		if [ -n "${GATE_SARIF:-}" ]; then
			mkdir -p "$GATE_SARIF" && "$bin" diff --quiet --format sarif --fail-on none -o "$GATE_SARIF/diff.sarif" "$gate/base/specs" specs || code=2
		fi
		record diff "$code"
		;;
	suites)
		"$GO" tool ginkgo -r --label-filter=offline --junit-report="$(cd "$OUT" && pwd)/_gate/suites.xml" ./suites
		code=$?
		[ "$code" -gt 2 ] && code=1 # ginkgo's own codes for failed specs
		record suites "$code"
		;;
	*)
		echo "gate: unknown step $step (want lint, diff or suites)" >&2
		exit 2
		;;
	esac
done

echo "== gate: summary (exit codes: 0 clean, 1 findings, 2 error)"
printf '%s\n' "${summary[@]}"
exit "$worst"
