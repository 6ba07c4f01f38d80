#!/usr/bin/env bash
# Edge benchmark: product detail reads and searches from real `pasar serve` processes on one
# seeded catalog, with the WAF off and in block mode, over plain HTTP and TLS (self-signed, TLS
# 1.3), measured with wrk in the same run: the servers and cases alternate within each round so
# load from anything else on the machine hits them alike. Rate limits are off (wrk is one
# client). Ratios are medians over the rounds of each case against the same case with the WAF
# off on plain HTTP.
#
# Repeated cases send one request again and again, so after the first its clean verdict is
# remembered. Unseen cases differ on every request, so every one is evaluated by the WAF's rules:
# detail-unique adds a query that differs each time (?v=<round>-<thread>-<n>); search-unique cycles
# through words of the catalog's product titles with a price ceiling that differs each time (far
# above every price, so it filters nothing out), as a shop's long tail of searches would.
#
#   bench/edge.sh
#   PRODUCTS=10000 DURATION=10s ROUNDS=5 bench/edge.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS=${PRODUCTS:-2000}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-8s}
PORT=${PORT:-18280} # uses PORT .. PORT+3

. bench/lib.sh

go build -o "$work/pasar" ./cmd/pasar
"$work/pasar" seed --products "$PRODUCTS" --data "$work/seed" 2>/dev/null

names=(plain-off plain-block tls-off tls-block)
urls=()
for i in 0 1 2 3; do
	name=${names[$i]} port=$((PORT + i))
	cp -r "$work/seed" "$work/$name"
	waf=${name#*-} scheme=http tls=()
	if [ "${name%%-*}" = tls ]; then scheme=https tls=(--tls-self-signed); fi
	PASAR_WAF=$waf PASAR_RATE_LIMIT_CLIENT=0 PASAR_RATE_LIMIT_ACCOUNT=0 \
		"$work/pasar" serve --data "$work/$name" --addr "127.0.0.1:$port" "${tls[@]}" >/dev/null 2>&1 &
	pids+=($!)
	urls+=("$scheme://127.0.0.1:$port")
done
wait_healthy "${urls[@]}"
# Let every server's event consumers work through the seeded events before measuring.
wait_settled "${urls[@]}"

slug=$(curl -s "${urls[0]}/api/v1/products?limit=1&sort=price_asc" | sed -E 's/.*"slug":"([^"]+)".*/\1/')
detail="/api/v1/products/$slug"
bytes=$(curl -s "${urls[0]}$detail" | wc -c)
for u in "${urls[@]}"; do
	code=$(curl -ks -o /dev/null -w '%{http_code}' "$u$detail?v=check")
	[ "$code" = 200 ] || { echo "$u$detail answered $code" >&2; exit 1; }
	wrk -t"$THREADS" -c"$CONNS" -d2s "$u$detail" >/dev/null
done

# Unseen requests differ by round (ROUND), thread and count, so no round repeats another's
# requests: the WAF remembers tens of thousands of clean verdicts, and a repeat would be one.
cat >"$work/unique.lua" <<'LUA'
local n = 0
local threads = 0
local round = os.getenv("ROUND") or "0"
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function request() n = n + 1; return wrk.format(nil, wrk.path .. "?v=" .. round .. "-" .. id .. "-" .. n) end
LUA

# Search words: the distinct words of the first 100 product titles.
words=$(curl -s "${urls[0]}/api/v1/products?limit=100" | grep -o '"title":"[^"]*"' | cut -d'"' -f4 |
	tr 'A-Z ' 'a-z\n' | grep -E '^[a-z]{3,}$' | sort -u | head -60)
[ -n "$words" ] || { echo "no product names to search for" >&2; exit 1; }
word=$(echo "$words" | head -1)
search="/api/v1/search"
code=$(curl -s -o /dev/null -w '%{http_code}' "${urls[1]}$search?q=$word&price_max=999999999")
[ "$code" = 200 ] || { echo "search answered $code" >&2; exit 1; }
{
	echo "local words = {"
	for w in $words; do echo "\"$w\","; done
	echo "}"
	cat <<'LUA'
local n = 0
local threads = 0
local round = tonumber(os.getenv("ROUND") or "0")
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function request()
	n = n + 1
	local a, b = words[n % #words + 1], words[(n * 7 + id) % #words + 1]
	return wrk.format(nil, wrk.path .. "?q=" .. a .. "+" .. b .. "&price_max=" .. (1000000000 + (round * 100 + id) * 10000000 + n))
end
LUA
} >"$work/search-unique.lua"

# A browser's headers and a host name, as shoppers send them (a numeric Host alone scores a CRS
# warning, 920350, that real traffic does not).
hdr=(-H "Host: localhost" -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	-H "Accept: application/json" -H "Accept-Language: en-GB,en;q=0.8")

run() { # url [wrk args] -> "req/s p99-ms"
	local u=$1
	shift
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$@" "$u" | awk '
		/^Requests\/sec/ {r = int($2)}
		/^ +99%/ {v = $2; if (v ~ /us$/) p = v / 1000; else if (v ~ /ms$/) p = v + 0; else p = v * 1000}
		END {printf "%d %.1f\n", r, p}'
}
cases=(detail/plain-off detail/plain-block detail/tls-off detail/tls-block
	detail-unique/plain-off detail-unique/plain-block search/plain-off search/plain-block
	search-unique/plain-off search-unique/plain-block)
: >"$work/rates"
for round in $(seq "${ROUNDS:-3}"); do
	export ROUND=$round
	line=""
	for u in "${urls[@]}"; do line="$line $(run "$u$detail")"; done
	for u in "${urls[0]}" "${urls[1]}"; do line="$line $(run "$u$detail" -s "$work/unique.lua")"; done
	for u in "${urls[0]}" "${urls[1]}"; do line="$line $(run "$u$search?q=$word")"; done
	for u in "${urls[0]}" "${urls[1]}"; do line="$line $(run "$u$search" -s "$work/search-unique.lua")"; done
	echo "round $round (req/s p99-ms per ${cases[*]}):$line" >&2
	echo "$line" >>"$work/rates"
done

# Each case, and which case (counting from 1) is its baseline: the same requests, WAF off, plain HTTP.
printf '%-26s %10s %8s %10s\n' case "req/s" "p99 ms" "ratio"
base=(1 1 1 1 5 5 7 7 9 9)
for i in "${!cases[@]}"; do
	printf '%-26s %10d %8s %10.2f\n' "${cases[$i]}" "$(col $((2 * i + 1)))" "$(col $((2 * i + 2)))" "$(ratio $((2 * i + 1)) $((2 * ${base[$i]} - 1)))"
done
echo "(ratio: to the same case on plain-off; GET $detail, $bytes B; $search?q=$word and $(echo "$words" | wc -l) words; $PRODUCTS products; wrk -t$THREADS -c$CONNS -d$DURATION x ${ROUNDS:-3} rounds; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
