#!/usr/bin/env bash
# Distributed shape vs all-in-one on the same machine and the same stores: product reads (wrk) and
# checkouts (bench/checkout driver) through `pasar gateway` in front of separate service
# processes (deploy/local/pasar-local: two catalog replicas, one of every other service), beside
# one `pasar serve` running every service, both on this machine's PostgreSQL, Redis and NATS. A
# third read figure goes straight to one catalog replica, to separate the gateway's hop from the
# rest. Edge protections are off on both sides (PASAR_WAF=off, no rate limits): bench/edge.sh
# measures those.
#
#   bench/distributed.sh                      # 10 s wrk runs, 3 rounds, 500 checkouts per round
#   DURATION=5s ROUNDS=2 N=300 bench/distributed.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
N=${N:-500}
CONC=${CONC:-16}
PG=${PASAR_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${PASAR_BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}
NATS=${PASAR_BENCH_NATS_URL:-nats://127.0.0.1:4222}
AIO_PORT=${AIO_PORT:-18290}
DIST_PORT=${DIST_PORT:-18300} # the gateway; the services take the next nine ports
PASS='tangerine submarine 77'

. bench/lib.sh

tag="bench_$$"
aio_db="${tag}_aio"
export PASAR_WAF=off PASAR_RATE_LIMIT_CLIENT=0 PASAR_RATE_LIMIT_ACCOUNT=0 PASAR_LOG_LEVEL=warn
local_env=(PASAR_LOCAL_DIR="$work/dist" PASAR_LOCAL_BIN="$work/pasar" PASAR_LOCAL_PORT="$DIST_PORT"
	PASAR_LOCAL_PG="$PG" PASAR_LOCAL_DB="${tag}_dist" PASAR_LOCAL_REDIS_URL="$REDIS" PASAR_LOCAL_NATS_URL="$NATS"
	PASAR_LOCAL_NAME="${tag}_dist" PASAR_LOCAL_DEMO=1000 PASAR_LOCAL_ADMIN=bench@example.test PASAR_LOCAL_ADMIN_PASSWORD="$PASS")
finish() {
	env "${local_env[@]}" deploy/local/pasar-local purge >/dev/null 2>&1 || true
	psql -q "$PG/postgres?sslmode=disable" -c "DROP DATABASE IF EXISTS $aio_db WITH (FORCE)" >/dev/null 2>&1 || true
	redis-cli -u "$REDIS" --scan --pattern "${tag}_aio:*" | xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1 || true
	PASAR_NATS_URL="$NATS" PASAR_NATS_STREAM="${tag}_aio" "$work/pasar" events delete-stream --force >/dev/null 2>&1 || true
	cleanup
}
trap finish EXIT

go build -o "$work/pasar" ./cmd/pasar
go build -o "$work/driver" ./bench/checkout

# All-in-one on the same PostgreSQL, Redis and NATS, under names of its own.
psql -q "$PG/postgres?sslmode=disable" -c "CREATE DATABASE $aio_db" >/dev/null
aio_env=(PASAR_POSTGRES_URL="$PG/$aio_db?sslmode=disable" PASAR_REDIS_URL="$REDIS" PASAR_REDIS_PREFIX="${tag}_aio:"
	PASAR_NATS_URL="$NATS" PASAR_NATS_STREAM="${tag}_aio" PASAR_NATS_SUBJECT_PREFIX="${tag}_aio")
env "${aio_env[@]}" PASAR_USER_PASSWORD="$PASS" "$work/pasar" user create --email bench@example.test --role admin >/dev/null
env "${aio_env[@]}" "$work/pasar" serve --demo --data "$work/aio" --addr "127.0.0.1:$AIO_PORT" >"$work/aio.log" 2>&1 &
pids+=($!)
aio="http://127.0.0.1:$AIO_PORT"

# The distributed shape.
env "${local_env[@]}" deploy/local/pasar-local up >"$work/dist.log" 2>&1 || { tail -20 "$work/dist.log" >&2; exit 1; }
dist="http://127.0.0.1:$DIST_PORT"
direct="http://127.0.0.1:$((DIST_PORT + 2))" # catalog-1

wait_healthy "$aio"
wait_settled "$aio" "$dist" "$direct"
sleep 2

slug=$(curl -s "$aio/api/v1/products?limit=1&sort=price_asc" | sed -E 's/.*"slug":"([^"]+)".*/\1/')
detail="/api/v1/products/$slug"
for u in "$aio" "$dist" "$direct"; do
	curl -sf -o /dev/null "$u$detail" || { echo "no $detail at $u" >&2; exit 1; }
done

rate() { wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$1" | awk '/^Requests\/sec/ {print int($2)}'; }
login() {
	curl -s "$1/api/v1/auth/login" -H 'Content-Type: application/json' \
		-d "{\"email\":\"bench@example.test\",\"password\":\"$PASS\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
checkouts() { "$work/driver" -base "$1" -token "$(login "$1")" -n "$N" -c "$CONC" -tag "$2" | awk '{print $1}' || echo 0; }

for u in "$aio$detail" "$dist$detail" "$direct$detail"; do wrk -t"$THREADS" -c"$CONNS" -d2s "$u" >/dev/null; done
: >"$work/rates"
for round in $(seq "$ROUNDS"); do
	a=$(rate "$aio$detail")
	d=$(rate "$dist$detail")
	r=$(rate "$direct$detail")
	ca=$(checkouts "$aio" "aio$round")
	cd=$(checkouts "$dist" "dist$round")
	echo "round $round: reads/s all-in-one $a, gateway $d, one replica direct $r; checkouts/s all-in-one $ca, gateway $cd" >&2
	echo "$a $d $r $ca $cd" >>"$work/rates"
done

printf '%-40s %12s %12s %8s\n' "" "all-in-one" "distributed" "ratio"
printf '%-40s %12d %12d %8.2f\n' "product reads/s (through the gateway)" "$(col 1)" "$(col 2)" "$(ratio 2 1)"
printf '%-40s %12s %12d %8.2f\n' "product reads/s (one catalog replica)" "" "$(col 3)" "$(ratio 3 1)"
printf '%-40s %12s %12s %8.2f\n' "checkouts/s (through the gateway)" "$(col 4)" "$(col 5)" "$(ratio 5 4)"
echo "(wrk -t$THREADS -c$CONNS -d$DURATION, $N checkouts at $CONC at once, median of $ROUNDS rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
