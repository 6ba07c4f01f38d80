package pricing

import (
	"testing"
	"time"
)

func TestParseTaxRates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		want    TaxTable
		wantErr bool
	}{
		{"empty", "", TaxTable{}, false},
		{"countries and regions", "DE=19, fr=20,US-CA=7.25,GB=0", TaxTable{"DE": 1900, "FR": 2000, "US-CA": 725, "GB": 0}, false},
		{"one decimal", "CH=8.1", TaxTable{"CH": 810}, false},
		{"three decimals", "CH=8.125", nil, true},
		{"over 100", "XX=101", nil, true},
		{"negative", "XX=-1", nil, true},
		{"no equals", "DE19", nil, true},
		{"long country", "DEU=19", nil, true},
		{"empty region", "US-=5", nil, true},
		{"float syntax", "DE=1e1", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTaxRates(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if c.wantErr {
				return
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Fatalf("%s = %d, want %d", k, got[k], v)
				}
			}
		})
	}
}

func TestParseShipping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		wantIDs []string
		wantErr bool
	}{
		{"default", "", []string{"standard"}, false},
		{"two methods", `[{"id":"std","rates":{"*":{"flat":500}}},{"id":"express","rates":{"USD":{"flat":1500,"per_kg":100}}}]`, []string{"std", "express"}, false},
		{"unknown field", `[{"id":"std","price":5,"rates":{"*":{"flat":500}}}]`, nil, true},
		{"no rates", `[{"id":"std"}]`, nil, true},
		{"repeated id", `[{"id":"a","rates":{"*":{}}},{"id":"a","rates":{"*":{}}}]`, nil, true},
		{"negative", `[{"id":"a","rates":{"*":{"flat":-1}}}]`, nil, true},
		{"bad currency", `[{"id":"a","rates":{"usd":{"flat":1}}}]`, nil, true},
		{"empty list", `[]`, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseShipping(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			for i, id := range c.wantIDs {
				if got[i].ID != id {
					t.Fatalf("method %d = %s, want %s", i, got[i].ID, id)
				}
			}
		})
	}
}

func TestDiscountValidate(t *testing.T) {
	t.Parallel()
	end := now.Add(-time.Hour)
	cases := []struct {
		name   string
		d      Discount
		fields []string
	}{
		{"good percent", Discount{Code: "TEN", Kind: Percent, Percent: 10}, nil},
		{"good fixed", Discount{Code: "FIVE", Kind: Fixed, AmountOff: 500, Currency: "EUR"}, nil},
		{"bad code", Discount{Code: "no spaces", Kind: Percent, Percent: 10}, []string{"code"}},
		{"percent over 100", Discount{Code: "X", Kind: Percent, Percent: 101}, []string{"percent"}},
		{"fixed without currency", Discount{Code: "X", Kind: Fixed, AmountOff: 1}, []string{"currency"}},
		{"unknown kind", Discount{Code: "X", Kind: "bogo"}, []string{"kind"}},
		{"ends before start", Discount{Code: "X", Kind: Percent, Percent: 1, StartsAt: &now, EndsAt: &end}, []string{"ends_at"}},
		{"negative limits", Discount{Code: "X", Kind: Percent, Percent: 1, UsageLimit: -1, PerCustomerLimit: -1, MinSubtotal: -1},
			[]string{"min_subtotal", "usage_limit", "per_customer_limit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			errs := c.d.Validate()
			if len(errs) != len(c.fields) {
				t.Fatalf("errors %v, want fields %v", errs, c.fields)
			}
			for i, f := range c.fields {
				if errs[i].Field != f {
					t.Fatalf("error %d names %s, want %s", i, errs[i].Field, f)
				}
			}
		})
	}
}
