package payment

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestLuhnAndBrand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		number string
		valid  bool
		brand  string
	}{
		{CardSucceeds, true, "visa"},
		{CardDeclined, true, "visa"},
		{CardInsufficientFunds, true, "visa"},
		{"5555555555554444", true, "mastercard"},
		{"378282246310005", true, "amex"},
		{"6011111111111117", true, "discover"},
		{"4242424242424241", false, "visa"},
		{"42424242424242a2", false, "visa"},
		{"4242", false, "visa"},
		{"", false, "card"},
		{"42424242424242424242", false, "visa"},
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			t.Parallel()
			if got := Luhn(tt.number); got != tt.valid {
				t.Errorf("Luhn = %v, want %v", got, tt.valid)
			}
			if got := Brand(tt.number); got != tt.brand {
				t.Errorf("Brand = %q, want %q", got, tt.brand)
			}
		})
	}
}

func TestCardNeverPrintsItsNumber(t *testing.T) {
	t.Parallel()
	c := Card{Number: "4242 4242 4242 4242", ExpMonth: 12, ExpYear: 2030, CVC: "123"}
	if c.Digits() != CardSucceeds || c.Last4() != "4242" {
		t.Fatalf("digits %q last4 %q", c.Digits(), c.Last4())
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("paying", "card", c, "ptr", &c)
	raw, _ := json.Marshal(map[string]any{"card": c})
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", c), "pointer": fmt.Sprintf("%v", &c), "slog": logged.String(), "json": string(raw),
	} {
		digits := strings.NewReplacer(" ", "", "-", "").Replace(out)
		if strings.Contains(digits, "424242424242") || strings.Contains(out, "123\"") {
			t.Errorf("%s shows the card: %s", name, out)
		}
		if !strings.Contains(out, "4242") {
			t.Errorf("%s lost the last four digits: %s", name, out)
		}
	}
}
