package loadtest

import (
	"slices"
	"testing"
)

// TestScheduleInterleaves checks that a cycle of steps follows the weights and spreads the rare
// kinds out instead of bunching them at its end.
func TestScheduleInterleaves(t *testing.T) {
	t.Parallel()
	mix, err := ParseMix(DefaultMix)
	if err != nil {
		t.Fatal(err)
	}
	seq := schedule(mix)
	counts := map[string]int{}
	for _, k := range seq {
		counts[k]++
	}
	for k, w := range mix {
		if counts[k] != w {
			t.Errorf("%s: %d steps in a cycle, want %d", k, counts[k], w)
		}
	}
	// Checkouts (5 of 100) come about every 20 steps, not in a run.
	first := slices.Index(seq, KindCheckout)
	if first < 0 || first >= 25 || slices.Contains(seq[first+1:first+10], KindCheckout) {
		t.Errorf("checkouts bunched: %v", seq)
	}
}
