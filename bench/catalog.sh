#!/usr/bin/env bash
# Catalog read benchmark: product detail and product list over HTTP from a real `pasar serve`
# (seeded catalog, full middleware, access log to /dev/null), each against a bare net/http
# handler returning a fixed body of the same size, measured with wrk in the same run.
#
#   bench/catalog.sh                 # 10,000 products, 64 connections, 10 s per run
#   PRODUCTS=100000 DURATION=20s bench/catalog.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS=${PRODUCTS:-10000}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
PORT=${PORT:-18180}
BARE_PORT=${BARE_PORT:-18181}

. bench/lib.sh

go build -o "$work/pasar" ./cmd/pasar
go build -o "$work/bare" ./bench/bare
"$work/pasar" seed --products "$PRODUCTS" --data "$work/data" 2>/dev/null
# The catalog's own read path, behind the platform middleware: the WAF and the per-client rate
# limit (one wrk client would hit it at once) are measured separately by bench/edge.sh.
PASAR_WAF=${PASAR_WAF:-off} PASAR_RATE_LIMIT_CLIENT=0 PASAR_RATE_LIMIT_ACCOUNT=0 \
	"$work/pasar" serve --data "$work/data" --addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
pids+=($!)

base="http://127.0.0.1:$PORT"
wait_healthy "$base"
# Let the outbox relay and the event consumers (search indexer, cache) work through the seeded
# events first.
wait_settled "$base"
sleep "${SETTLE:-2}"

slug=$(curl -s "$base/api/v1/products?limit=1&sort=price_asc" | sed -E 's/.*"slug":"([^"]+)".*/\1/')
detail="/api/v1/products/$slug"
list="/api/v1/products?category=clothing&sort=price_asc&limit=20"
detail_bytes=$(curl -s "$base$detail" | wc -c)
list_bytes=$(curl -s "$base$list" | wc -c)
"$work/bare" -addr "127.0.0.1:$BARE_PORT" -detail-bytes "$detail_bytes" -list-bytes "$list_bytes" &
pids+=($!)
sleep 0.5

rate() { # url -> requests per second
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$1" | awk '/^Requests\/sec/ {print int($2)}'
}

# Warm up both servers, then alternate bare and catalog runs so that load from anything else on
# the machine hits both sides alike; the figures are medians over the rounds.
for u in "http://127.0.0.1:$BARE_PORT/detail" "$base$detail" "http://127.0.0.1:$BARE_PORT/list" "$base$list"; do
	wrk -t"$THREADS" -c"$CONNS" -d2s "$u" >/dev/null
done
: >"$work/rates"
for round in $(seq "${ROUNDS:-3}"); do
	bd=$(rate "http://127.0.0.1:$BARE_PORT/detail")
	cd=$(rate "$base$detail")
	bl=$(rate "http://127.0.0.1:$BARE_PORT/list")
	cl=$(rate "$base$list")
	echo "round $round: detail $cd vs bare $bd, list $cl vs bare $bl" >&2
	echo "$bd $cd $bl $cl" >>"$work/rates"
done

printf '%-16s %8s %12s %12s %14s\n' endpoint bytes "bare req/s" "pasar req/s" "median ratio"
printf '%-16s %8d %12d %12d %14.2f\n' "product detail" "$detail_bytes" "$(col 1)" "$(col 2)" "$(ratio 2 1)"
printf '%-16s %8d %12d %12d %14.2f\n' "product list" "$list_bytes" "$(col 3)" "$(col 4)" "$(ratio 4 3)"
echo "($PRODUCTS products, wrk -t$THREADS -c$CONNS -d$DURATION x ${ROUNDS:-3} rounds, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
