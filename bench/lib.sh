# Shared by the bench/*.sh scripts: wrk, a work folder cleaned up on exit with the servers
# started in it, waiting for event consumers to settle, and medians over rounds.

if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

work=$(mktemp -d)
pids=() # servers to stop on exit
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# wait_healthy URL...: until each server answers /healthz.
wait_healthy() {
	for u in "$@"; do
		for _ in $(seq 150); do curl -ksf "$u/healthz" >/dev/null && break; sleep 0.2; done
	done
}

# wait_settled URL...: until the servers' outboxes are empty and their consumers' handled counts
# have stood still for three seconds, so event work does not share the CPU with measured runs.
wait_settled() {
	local last="" still=0 now
	for _ in $(seq 600); do
		now=$(for u in "$@"; do curl -ks "$u/metrics"; done |
			awk '/^pasar_events_consumer_handled_total/ {s += $2} /^pasar_events_outbox_pending/ {p += $2} END {print s + 0, p + 0}')
		if [ "$now" = "$last" ] && [ "${now#* }" = 0 ]; then still=$((still + 1)); else still=0; fi
		[ "$still" -ge 3 ] && return
		last=$now
		sleep 1
	done
}

# median: the median of the numbers on standard input, one a line.
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# col N: median of column N of $work/rates; ratio A B: median of column A / column B per round.
col() { awk -v c="$1" '{print $c}' "$work/rates" | median; }
ratio() { awk -v a="$1" -v b="$2" '{print $a / $b}' "$work/rates" | median; }
