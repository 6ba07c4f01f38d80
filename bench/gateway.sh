#!/usr/bin/env bash
# The gateway's hop on its own: product reads (wrk, one product's detail) through `pasar gateway`
# built from this tree, straight from one catalog replica, and, with BASELINE set to a git
# revision, through a second gateway built from that revision in front of the same two catalog
# replicas (deploy/local/pasar-local). Runs alternate within each round, so a before/after
# comparison shares the machine's moods. Beside each rate, the CPU each process spent per read
# (user + system, from /proc): on a machine shared with other work a rate says how much CPU the
# process was given, CPU per read what it did with it. Edge protections are off (bench/edge.sh
# measures those).
#
#   bench/gateway.sh                          # 8 s wrk runs, 3 rounds
#   BASELINE=3227f0a~1 ROUNDS=5 bench/gateway.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-8s}
ROUNDS=${ROUNDS:-3}
BASELINE=${BASELINE:-}
PG=${PASAR_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${PASAR_BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}
NATS=${PASAR_BENCH_NATS_URL:-nats://127.0.0.1:4222}
PORT=${PORT:-18500} # pasar-local's gateway; the services take the next nine ports, the gateways measured the two after

. bench/lib.sh

tag="bench_$$"
export PASAR_WAF=off PASAR_RATE_LIMIT_CLIENT=0 PASAR_RATE_LIMIT_ACCOUNT=0 PASAR_LOG_LEVEL=warn
local_env=(PASAR_LOCAL_DIR="$work/dist" PASAR_LOCAL_BIN="$work/pasar" PASAR_LOCAL_PORT="$PORT"
	PASAR_LOCAL_PG="$PG" PASAR_LOCAL_DB="${tag}_dist" PASAR_LOCAL_REDIS_URL="$REDIS" PASAR_LOCAL_NATS_URL="$NATS"
	PASAR_LOCAL_NAME="${tag}_dist" PASAR_LOCAL_DEMO=1000 PASAR_LOCAL_ADMIN=bench@example.test
	PASAR_LOCAL_ADMIN_PASSWORD='tangerine submarine 77')
finish() {
	env "${local_env[@]}" deploy/local/pasar-local purge >/dev/null 2>&1 || true
	cleanup
}
trap finish EXIT

go build -o "$work/pasar" ./cmd/pasar
if [ -n "$BASELINE" ]; then
	mkdir "$work/base"
	git archive "$BASELINE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/pasar-base" ./cmd/pasar)
fi

env "${local_env[@]}" deploy/local/pasar-local up >"$work/dist.log" 2>&1 || { tail -20 "$work/dist.log" >&2; exit 1; }
replicas="http://127.0.0.1:$((PORT + 2)),http://127.0.0.1:$((PORT + 3))"
direct="http://127.0.0.1:$((PORT + 2))"
pid_of() { cat "$work/dist/pids/$1"; }

# gateway BIN PORT: a gateway in front of the two catalog replicas only; its pid goes to $gw_pid.
gateway() {
	PASAR_CATALOG_URL="$replicas" PASAR_ADDR="127.0.0.1:$2" "$1" gateway >"$work/gateway-$2.log" 2>&1 &
	gw_pid=$!
	pids+=("$gw_pid")
	for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$2/readyz" && return; sleep 0.2; done
	tail -5 "$work/gateway-$2.log" >&2
	exit 1
}
gateway "$work/pasar" $((PORT + 10))
new=$gw_pid
targets=("new http://127.0.0.1:$((PORT + 10))")
if [ -n "$BASELINE" ]; then
	gateway "$work/pasar-base" $((PORT + 11))
	base=$gw_pid
	targets+=("base http://127.0.0.1:$((PORT + 11))")
fi
targets+=("direct $direct")
wait_settled "http://127.0.0.1:$PORT" "$direct"

slug=$(curl -s "$direct/api/v1/products?limit=1&sort=price_asc" | sed -E 's/.*"slug":"([^"]+)".*/\1/')
detail="/api/v1/products/$slug"
for t in "${targets[@]}"; do
	u=${t#* }
	curl -sf -o /dev/null "$u$detail" || { echo "no $detail at $u" >&2; exit 1; }
	wrk -t"$THREADS" -c"$CONNS" -d2s "$u$detail" >/dev/null
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# measure URL PID...: "reads/s µs-per-read-of-each-PID" for one wrk run.
measure() {
	local url=$1 p out n before=()
	shift
	for p in "$@"; do before+=("$(ticks "$p")"); done
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$url")
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	printf '%s' "$(awk '/^Requests\/sec/ {print int($2)}' <<<"$out")"
	local i=0
	for p in "$@"; do
		printf ' %s' "$(awk -v a="${before[$i]}" -v b="$(ticks "$p")" -v n="$n" -v hz="$(getconf CLK_TCK)" \
			'BEGIN {printf "%.1f", (b - a) * 1e6 / hz / n}')"
		i=$((i + 1))
	done
}

c1=$(pid_of catalog-1)
c2=$(pid_of catalog-2)
: >"$work/rates"
for round in $(seq "$ROUNDS"); do
	line=""
	# columns per target: reads/s, gateway µs/read (0 direct), catalog-1 µs/read, catalog-2 µs/read
	for t in "${targets[@]}"; do
		name=${t%% *} u=${t#* }
		case $name in
		new) line+=" $(measure "$u$detail" "$new" "$c1" "$c2")" ;;
		base) line+=" $(measure "$u$detail" "$base" "$c1" "$c2")" ;;
		direct) line+=" $(measure "$u$detail" "$c1" "$c1" "$c2" | awk '{print $1, 0, $3, $4}')" ;;
		esac
	done
	echo "round $round:$line" >&2
	echo "$line" >>"$work/rates"
done

printf '%-34s %10s %16s %18s %8s\n' "" "reads/s" "gateway µs/read" "replicas µs/read" "vs direct"
i=0
for t in "${targets[@]}"; do
	name=${t%% *}
	b=$((i * 4))
	label="through the gateway (this tree)"
	[ "$name" = base ] && label="through the gateway ($BASELINE)"
	[ "$name" = direct ] && label="straight from catalog-1"
	rep=$(awk -v x=$((b + 3)) -v y=$((b + 4)) '{print $x + $y}' "$work/rates" | median)
	d=$(((${#targets[@]} - 1) * 4 + 1))
	gw=$(col $((b + 2)))
	[ "$name" = direct ] && gw=-
	printf '%-34s %10d %16s %18s %8.2f\n' "$label" "$(col $((b + 1)))" "$gw" "$rep" "$(ratio $((b + 1)) "$d")"
	i=$((i + 1))
done
echo "(wrk -t$THREADS -c$CONNS -d$DURATION, medians of $ROUNDS rounds; CPU per read from /proc; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
