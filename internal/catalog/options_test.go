package catalog

import (
	"reflect"
	"testing"
)

// TestOptionsJSON: options go to stores as a JSON object with sorted keys, "{}" for none, and
// come back as they went; none comes back nil.
func TestOptionsJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   map[string]string
		want string
	}{
		{nil, "{}"},
		{map[string]string{}, "{}"},
		{map[string]string{"size": "M", "colour": "blue"}, `{"colour":"blue","size":"M"}`},
	} {
		got, err := OptionsJSON(tt.in)
		if err != nil || got != tt.want {
			t.Fatalf("OptionsJSON(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		back, err := ParseOptions(got)
		if err != nil || (len(tt.in) == 0 && back != nil) || (len(tt.in) > 0 && !reflect.DeepEqual(back, tt.in)) {
			t.Fatalf("ParseOptions(%q) = %v, %v; want %v", got, back, err, tt.in)
		}
	}
	if o, err := ParseOptions(""); o != nil || err != nil {
		t.Errorf(`ParseOptions("") = %v, %v`, o, err)
	}
	if _, err := ParseOptions("[1]"); err == nil {
		t.Error("ParseOptions of a JSON array: no error")
	}
	if got := OptionsText(map[string]string{"size": "M", "colour": "blue"}); got != "colour: blue, size: M" {
		t.Errorf("OptionsText = %q", got)
	}
}
