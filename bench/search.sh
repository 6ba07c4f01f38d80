#!/usr/bin/env bash
# Search benchmark: latency of search and suggest, one query at a time, on a generated catalog of
# 100,000 products indexed the way `pasar search reindex` indexes it, with the index's size on
# disk and the process's RSS. Each query kind reports p50/p99 in milliseconds; "baseline-term" is
# a bare one-word Bleve query without facets on the same index, measured in the same run.
# Then the live indexer's throughput (BenchmarkIndexer): events per second from a backlog of
# 1,000 product.upserted events, one at a time against batched, three runs of each.
#
#   bench/search.sh                          # 100,000 products, 2,000 queries per kind
#   PRODUCTS=10000 QUERIES=500 bench/search.sh
#   INDEX=/tmp/pasar-bench-index bench/search.sh   # keep the index between runs
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS=${PRODUCTS:-100000}
QUERIES=${QUERIES:-2000}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/search.test" ./internal/search
PASAR_BENCH_PRODUCTS=$PRODUCTS PASAR_BENCH_INDEX=${INDEX:-$work/index} \
	"$work/search.test" -test.run '^$' -test.bench 'BenchmarkSearch100k' -test.benchtime "${QUERIES}x" -test.timeout 60m
"$work/search.test" -test.run '^$' -test.bench 'BenchmarkIndexer' -test.benchtime 1x -test.count 3 -test.timeout 30m
