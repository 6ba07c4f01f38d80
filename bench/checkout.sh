#!/usr/bin/env bash
# Checkout benchmark over HTTP: a real `pasar serve --demo` (all services in one process, edge
# protections off), carts of three lines built first, then checkouts at a set concurrency, each
# a paid order with reservation, payment and outbox events (mail and webhook consumers running).
# Prints checkouts/s and p50/p99 per engine; with BEFORE=<git ref> it also builds that commit
# and alternates the two in the same run, printing the ratio.
#
#   bench/checkout.sh                               # SQLite and PostgreSQL, 3 rounds of 2,000
#   BEFORE=af6081e ENGINES=sqlite N=1000 bench/checkout.sh
#   PASAR_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bench/checkout.sh
#   SERVICES=identity,catalog,search,inventory,cart,payment,order bench/checkout.sh  # no mail/webhooks
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-2000}
CONC=${CONC:-16}
ROUNDS=${ROUNDS:-3}
ENGINES=${ENGINES:-sqlite postgres}
PORT=${PORT:-18190}
PG=${PASAR_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
PASS='tangerine submarine 77'

. bench/lib.sh

# PostgreSQL databases to drop on exit: found by name, since each round creates its own in a
# subshell (one runs under $(...)), where a list kept here would not see it.
dropdbs() {
	local d
	for d in $(psql -Atq "$PG" -c "SELECT datname FROM pg_database WHERE datname LIKE 'pasar_bench_$$\_%'" 2>/dev/null); do
		psql -q "$PG" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
	done
}
trap 'cleanup; dropdbs' EXIT

go build -o "$work/after" ./cmd/pasar
go build -o "$work/driver" ./bench/checkout
versions=(after)
if [ -n "${BEFORE:-}" ]; then
	git worktree add -q --detach "$work/src-before" "$BEFORE"
	(cd "$work/src-before" && go build -o "$work/before" ./cmd/pasar)
	git worktree remove --force "$work/src-before"
	versions=(after before)
fi

# one VERSION ENGINE ROUND: a fresh shop, an admin, then the driver; prints its line.
one() {
	local v=$1 engine=$2 round=$3 data="$work/data-$1-$2-$3" env=()
	if [ "$engine" = postgres ]; then
		local db="pasar_bench_$$_${v}_${round}"
		psql -q "$PG" -c "CREATE DATABASE $db" >/dev/null
		env=(PASAR_POSTGRES_URL="${PG%/*}/$db?sslmode=disable" PASAR_POSTGRES_MAX_CONNS=${MAX_CONNS:-4})
	fi
	env "${env[@]}" PASAR_USER_PASSWORD="$PASS" "$work/$v" user create --email bench@example.test --role admin --data "$data" >/dev/null
	[ -n "${SERVICES:-}" ] && env+=(PASAR_SERVICES="$SERVICES")
	env "${env[@]}" PASAR_WAF=off PASAR_RATE_LIMIT_CLIENT=0 PASAR_RATE_LIMIT_ACCOUNT=0 PASAR_LOG_LEVEL=warn \
		"$work/$v" serve --demo --data "$data" --addr "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	wait_healthy "http://127.0.0.1:$PORT"
	wait_settled "http://127.0.0.1:$PORT"
	local token
	token=$(curl -s "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
		-d "{\"email\":\"bench@example.test\",\"password\":\"$PASS\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
	"$work/driver" -base "http://127.0.0.1:$PORT" -token "$token" -n "$N" -c "$CONC" -pid "$pid" || tail -5 "$work/serve.log" >&2
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

for engine in $ENGINES; do
	: >"$work/rates"
	for round in $(seq "$ROUNDS"); do
		line=""
		for v in "${versions[@]}"; do
			r=$(one "$v" "$engine" "$round")
			echo "$engine round $round $v: checkouts/s p50-ms p99-ms carts/s cpu-ms/checkout = $r" >&2
			line="$line $r"
		done
		echo "$line" >>"$work/rates"
	done
	# Columns: after (1 rate, 2 p50, 3 p99, 4 carts/s, 5 server CPU ms per checkout), then
	# before (6-10) when BEFORE is set.
	printf '%s: %s checkouts/s, p50 %s ms, p99 %s ms, %s CPU ms/checkout (median of %s rounds of %s at %s at once)' \
		"$engine" "$(col 1)" "$(col 2)" "$(col 3)" "$(col 5)" "$ROUNDS" "$N" "$CONC"
	if [ -n "${BEFORE:-}" ]; then
		printf '; %s: %s checkouts/s, p50 %s ms, p99 %s ms, %s CPU ms/checkout; after/before rate %s, CPU %s' \
			"$BEFORE" "$(col 6)" "$(col 7)" "$(col 8)" "$(col 10)" "$(ratio 1 6)" "$(ratio 5 10)"
	fi
	echo
done
