package pricing

import (
	"errors"
	"testing"
)

func TestMulDivHalfEven(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		a, num, den  int64
		want         int64
		wantOverflow bool
	}{
		{"exact", 1000, 19, 100, 190, false},
		{"below half rounds down", 1001, 1, 4, 250, false},    // 250.25
		{"above half rounds up", 1003, 1, 4, 251, false},      // 250.75
		{"half to even, even stays", 1002, 1, 4, 250, false},  // 250.5 -> 250
		{"half to even, odd goes up", 1006, 1, 4, 252, false}, // 251.5 -> 252
		{"zero amount", 0, 1900, 10000, 0, false},
		{"zero rate", 12345, 0, 10000, 0, false},
		{"one cent of 5 percent rounds to zero", 10, 500, 10000, 0, false}, // 0.5 -> 0
		{"three cents of 5 percent", 30, 500, 10000, 2, false},             // 1.5 -> 2
		{"128-bit intermediate", 1 << 60, 10000, 10000, 1 << 60, false},
		{"overflow", 1<<63 - 1, 3, 1, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := mulDivHalfEven(c.a, c.num, c.den)
			if c.wantOverflow {
				if !errors.Is(err, ErrOverflow) {
					t.Fatalf("got %d, %v; want overflow", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("mulDivHalfEven(%d, %d, %d) = %d, %v; want %d", c.a, c.num, c.den, got, err, c.want)
			}
		})
	}
}

func TestCheckedArithmetic(t *testing.T) {
	t.Parallel()
	if _, err := addChecked(1<<63-1, 1); !errors.Is(err, ErrOverflow) {
		t.Errorf("add overflow not caught: %v", err)
	}
	if _, err := mulChecked(1<<32, 1<<32); !errors.Is(err, ErrOverflow) {
		t.Errorf("mul overflow not caught: %v", err)
	}
	if v, err := mulChecked(999, 1_000_000); err != nil || v != 999_000_000 {
		t.Errorf("mul = %d, %v", v, err)
	}
}
