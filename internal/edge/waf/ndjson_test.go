package waf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadNDJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       map[string][]string
	}{
		{"lines are numbered like array elements", `{"title":"Mug","price":{"amount":1200}}` + "\n" + `{"title":"Tee","tags":["a","b"],"x":null,"ok":true}` + "\n",
			map[string][]string{"json.0.title": {"Mug"}, "json.0.price.amount": {"1200"}, "json.1.title": {"Tee"},
				"json.1.tags.0": {"a"}, "json.1.tags.1": {"b"}, "json.1.tags": {"2"}, "json.1.x": {""}, "json.1.ok": {"true"}}},
		{"blank lines and CRLF are skipped as the importer skips them", "\r\n" + `{"a":"1"}` + "\r\n\r\n  \n" + `{"a":"2"}`,
			map[string][]string{"json.0.a": {"1"}, "json.1.a": {"2"}}},
		{"duplicate keys keep every value", `{"description":"<script>x</script>","description":"ok"}`,
			map[string][]string{"json.0.description": {"<script>x</script>", "ok"}}},
		{"escapes are decoded", `{"d":"\u003cb\u003e\n\"q\""}`, map[string][]string{"json.0.d": {"<b>\n\"q\""}}},
		{"nested arrays", `{"v":[{"sku":"A","p":[1,2]}]}`,
			map[string][]string{"json.0.v.0.sku": {"A"}, "json.0.v.0.p.0": {"1"}, "json.0.v.0.p.1": {"2"}, "json.0.v.0.p": {"2"}, "json.0.v": {"1"}}},
		{"a scalar line", `"x"`, map[string][]string{"json.0": {"x"}}},
		{"empty body", "", map[string][]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := map[string][]string{}
			if err := readNDJSON([]byte(tc.body), 10, 100, func(k, v string) { got[k] = append(got[k], v) }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadNDJSONRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       error // nil: any error
		wantLine   string
		maxArgs    int // 5 when 0
	}{
		{"a line that is not JSON", `{"a":1}` + "\n" + `not json`, nil, "line 2", 0},
		{"a truncated document", `{"a":"1"}` + "\n\n" + `{"a":`, nil, "line 3", 0},
		{"two documents on a line", `{"a":1} {"b":"<script>"}`, errNDJSONTrailing, "line 1", 0},
		{"trailing garbage", `{"a":1}]`, nil, "line 1", 0},
		{"pretty-printed JSON", "{\n\"a\": 1\n}", nil, "line 1", 0},
		{"too deep", `{"a":{"b":{"c":[[1]]}}}`, errNDJSONTooDeep, "line 1", 0},
		{"too many values", strings.Repeat(`{"a":1,"b":2}`+"\n", 3), errNDJSONTooMany, "line 3", 0},
		// Each of the 100 values repeats the 3,000-byte key: 100 times the body's size.
		{"flattening beyond the byte budget", `{"` + strings.Repeat("k", 3000) + `":[` + strings.Repeat("1,", 99) + `1]}`, errNDJSONTooLarge, "line 1", 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.maxArgs == 0 {
				tc.maxArgs = 5
			}
			err := readNDJSON([]byte(tc.body), 4, tc.maxArgs, func(string, string) {})
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.wantLine) {
				t.Errorf("err %v, want %v on %s", err, tc.want, tc.wantLine)
			}
		})
	}
}
