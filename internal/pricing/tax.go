package pricing

import (
	"fmt"
	"strconv"
	"strings"
)

// TaxTable maps "CC" (a country) or "CC-RR" (a region of it) to a rate. A region without its own
// rate takes its country's; a country without one is taxed at zero.
type TaxTable map[string]BasisPoints

// Rate returns the rate for country and region.
func (t TaxTable) Rate(country, region string) BasisPoints {
	country, region = strings.ToUpper(country), strings.ToUpper(region)
	if region != "" {
		if r, ok := t[country+"-"+region]; ok {
			return r
		}
	}
	return t[country]
}

// ParseTaxRates reads rates as PASAR_TAX_RATES holds them: "DE=19,FR=20,US-CA=7.25", percents
// with at most two decimals. The decimals are read as digits, never as a float.
func ParseTaxRates(s string) (TaxTable, error) {
	t := TaxTable{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("tax rate %q: want COUNTRY=PERCENT", part)
		}
		key = strings.ToUpper(strings.TrimSpace(key))
		country, region, _ := strings.Cut(key, "-")
		if len(country) != 2 || !letters(country) || (strings.Contains(key, "-") && (region == "" || len(region) > 3)) {
			return nil, fmt.Errorf("tax rate %q: want a two-letter country, optionally -REGION", part)
		}
		bp, err := parsePercent(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("tax rate %q: %v", part, err)
		}
		t[key] = bp
	}
	return t, nil
}

// parsePercent reads "7.25" as 725 basis points.
func parsePercent(s string) (BasisPoints, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0, fmt.Errorf("want a percent with at most two decimals")
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err1 := strconv.ParseUint(whole, 10, 8)
	f, err2 := strconv.ParseUint(frac, 10, 8)
	if err1 != nil || err2 != nil || w*100+f > 10000 {
		return 0, fmt.Errorf("want a percent from 0 to 100")
	}
	return BasisPoints(w*100 + f), nil
}

func letters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
