package gateway

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseUpstreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     map[string][]string
		err      string
	}{
		{"lists and comments", "# the shop\ncatalog http://a:1, http://b:1\n\n  search   http://c:1 # one\n",
			map[string][]string{"catalog": {"http://a:1", "http://b:1"}, "search": {"http://c:1"}}, ""},
		{"unknown service", "kitchen http://a:1\n", nil, "line 1: unknown service"},
		{"no replicas", "catalog\n", nil, "no replica"},
		{"twice", "catalog http://a:1\ncatalog http://b:1\n", nil, "line 2: catalog is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseUpstreams(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
