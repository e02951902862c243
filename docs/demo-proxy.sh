#!/usr/bin/env bash
# demo-proxy: run `specgate mock` and `specgate proxy` on loopback ports, send the vendors'
# documented cURL examples through the proxy (plus the Patch Users example without its
# X-Requested-By header, which the spec requires), and show what the proxy logged, its metrics,
# and `specgate validate` reading back the recording. Nothing leaves 127.0.0.1.
#
# Every server listens on a free loopback port the system picks (port 0), and the script reads
# the bound addresses from their "listening" log lines, so that nothing already listening on this
# host (another proxy, Prometheus on 9090, a dev server on 8080) is reached by mistake. Set
# MOCK_ADDR, PROXY_ADDR or ADMIN_ADDR to use fixed addresses instead; a taken one fails clearly.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
bin=$work/specgate
pids=()
cleanup() {
	# Only the processes this script started and that still run.
	for pid in "${pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# logged NAME PID LOG FIELD: wait until the server logs that it listens and print FIELD of that
# line (listen or admin); fail with its log if it exits first or says nothing within 10 s.
logged() {
	local name=$1 pid=$2 log=$3 field=$4 line
	for _ in $(seq 200); do
		line=$(grep -m1 '"msg":"specgate '"$name"' listening"' "$log" 2>/dev/null || true)
		if [ -n "$line" ]; then
			sed -E 's/.*"'"$field"'":"([^"]*)".*/\1/' <<<"$line"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "demo-proxy: specgate $name did not start:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "demo-proxy: specgate $name said nothing about listening in 10 s:" >&2
	cat "$log" >&2
	return 1
}

go build -ldflags "${LDFLAGS:-}" -o "$bin" ./cmd/specgate
"$bin" mock --listen "${MOCK_ADDR:-127.0.0.1:0}" 2>"$work/mock.log" &
mock_pid=$!
pids+=("$mock_pid")
MOCK_ADDR=$(logged mock "$mock_pid" "$work/mock.log" listen)
"$bin" proxy --upstream "http://$MOCK_ADDR" --listen "${PROXY_ADDR:-127.0.0.1:0}" --admin "${ADMIN_ADDR:-127.0.0.1:0}" \
	--record "$work/demo.har" 2>"$work/proxy.log" &
proxy_pid=$!
pids+=("$proxy_pid")
PROXY_ADDR=$(logged proxy "$proxy_pid" "$work/proxy.log" listen)
ADMIN_ADDR=$(logged proxy "$proxy_pid" "$work/proxy.log" admin)
curl -fs "http://$ADMIN_ADDR/healthz" >/dev/null || { echo "demo-proxy: the proxy does not answer on $ADMIN_ADDR:" >&2; cat "$work/proxy.log" >&2; exit 1; }
echo "mock on $MOCK_ADDR, proxy on $PROXY_ADDR, its /metrics and /healthz on $ADMIN_ADDR"

P=http://$PROXY_ADDR
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

cat >"$work/patch.json" <<'EOF'
{"users": [
  {"id": "18008", "add": [{"name": "Last Name", "value": "updateed12345"}], "delete": [{"name": "First Name"}], "update": [{"name": "Display Name", "value": "supriya12345"}]},
  {"id": "18009", "add": [{"name": "Last Name", "value": "updateed12345"}], "delete": [{"name": "First Name"}], "update": [{"name": "Display Name", "value": "supriya12345"}]}
]}
EOF
cat >"$work/put.json" <<'EOF'
{"users": [
  {"requestId": "123", "id": "5025", "fields": [{"name": "First Name", "value": "UpdatedFN"}]},
  {"requestId": "123", "id": "505", "fields": [{"name": "First Name", "value": "UpdatedFN1"}]}
]}
EOF
cat >"$work/user.json" <<'EOF'
{"user": {"id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "name": "myusername", "email": "test@sailpoint.com", "type": "NeprofileUser", "profile_id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "title": "mytitle", "status": "Active", "login": "mylogin", "admin": false, "group_strings": "Administrator_group,Developer_group"}}
EOF
cat >"$work/profiles.json" <<'EOF'
{"user_profiles": [{"id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "user_id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "profile_id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "ne_attribute_id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "relationship_type": "owner"}]}
EOF

cd "$work"
say curl -H "Content-Type: application/json" -H "X-Requested-By: <anyvalue>" -X PATCH -u username:password -d @patch.json "$P/iam/governance/selfservice/api/v1/users"
curl -s -H "Content-Type: application/json" -H "X-Requested-By: <anyvalue>" -X PATCH -u username:password -d @patch.json "$P/iam/governance/selfservice/api/v1/users"; echo
say curl -H "Content-Type: application/json" -X PUT -u username:password -d @put.json "$P/iam/governance/selfservice/api/v1/users"
curl -s -H "Content-Type: application/json" -X PUT -u username:password -d @put.json "$P/iam/governance/selfservice/api/v1/users"; echo
say curl -H "Content-Type: application/json" -H "Accept: application/json" -X PATCH -d @user.json "$P/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
curl -s -H "Content-Type: application/json" -H "Accept: application/json" -X PATCH -d @user.json "$P/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"; echo
say curl -H "Content-Type: application/json" -H "Accept: application/json" -X PATCH -d @profiles.json "$P/api/user_profiles"
curl -s -H "Content-Type: application/json" -H "Accept: application/json" -X PATCH -d @profiles.json "$P/api/user_profiles"; echo
say "curl ... -X PATCH -u username:password -d @patch.json $P/iam/governance/selfservice/api/v1/users   # without X-Requested-By"
curl -s -i -H "Content-Type: application/json" -X PATCH -u username:password -d @patch.json "$P/iam/governance/selfservice/api/v1/users" | head -1

sleep 0.2
printf '\n\033[1mThe proxy logged one JSON line per exchange (stderr):\033[0m\n'
grep '"msg":"exchange"' proxy.log
printf '\n\033[1m$ curl -s http://%s/metrics | grep ^specgate_proxy_exchanges_total\033[0m\n' "$ADMIN_ADDR"
curl -s "http://$ADMIN_ADDR/metrics" | grep '^specgate_proxy_exchanges_total'

kill -INT "$proxy_pid"
wait "$proxy_pid"
kill -INT "$mock_pid"
wait "$mock_pid"
pids=()
printf '\n\033[1mAfter SIGINT the proxy said:\033[0m\n'
grep '"msg":"specgate proxy stopped"' proxy.log
say specgate validate demo.har
code=0
"$bin" validate demo.har || code=$?
if [ "$code" -eq 1 ]; then echo "(exit 1: findings, as expected: the request without X-Requested-By)"; fi
test "$code" -le 1
