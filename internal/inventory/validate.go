package inventory

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// maxNameLength bounds SKUs and warehouse names.
const maxNameLength = 100

// checkName reports what is wrong with a SKU or warehouse name given in field, if anything.
func checkName(field, v string) *apperr.FieldError {
	switch {
	case v == "":
		return &apperr.FieldError{Field: field, Detail: "is required"}
	case len(v) > maxNameLength:
		return &apperr.FieldError{Field: field, Detail: fmt.Sprintf("is longer than %d bytes", maxNameLength)}
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return &apperr.FieldError{Field: field, Detail: "must not contain spaces or control characters"}
	}
	return nil
}

func checkSKU(field, sku string) error {
	if fe := checkName(field, sku); fe != nil {
		return apperr.Invalid(*fe)
	}
	return nil
}

// checkQuantity reports what is wrong with a quantity of at least min, if anything.
func checkQuantity(field string, q, min int64) *apperr.FieldError {
	if q < min || q > MaxQuantity {
		return &apperr.FieldError{Field: field, Detail: fmt.Sprintf("must be between %d and %d", min, MaxQuantity)}
	}
	return nil
}

// checkAdjustment validates a and fills in its default warehouse.
func checkAdjustment(a *Adjustment) error {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	if a.Warehouse == "" {
		a.Warehouse = DefaultWarehouse
	}
	a.Reason = strings.TrimSpace(a.Reason)
	add(checkName("sku", a.SKU))
	add(checkName("warehouse", a.Warehouse))
	add(checkQuantity("on_hand", a.OnHand, 0))
	switch {
	case a.Reason == "":
		add(&apperr.FieldError{Field: "reason", Detail: "is required: say why the count changed"})
	case len(a.Reason) > MaxReasonLength:
		add(&apperr.FieldError{Field: "reason", Detail: fmt.Sprintf("is longer than %d bytes", MaxReasonLength)})
	}
	if a.LowStockThreshold != nil {
		add(checkQuantity("low_stock_threshold", *a.LowStockThreshold, 0))
	}
	if len(fs) > 0 {
		return apperr.Invalid(fs...)
	}
	return nil
}

// checkReservation validates a reservation request. Lines must name distinct SKU and warehouse
// pairs, so each line's answer (and error) is about exactly one request line.
func checkReservation(orderID string, lines []Line, ttl time.Duration) error {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	add(checkName("order_id", orderID))
	if ttl <= 0 || ttl > MaxTTL {
		add(&apperr.FieldError{Field: "ttl", Detail: fmt.Sprintf("must be more than 0 and at most %s", MaxTTL)})
	}
	switch {
	case len(lines) == 0:
		add(&apperr.FieldError{Field: "lines", Detail: "must have at least one line"})
	case len(lines) > MaxLines:
		add(&apperr.FieldError{Field: "lines", Detail: fmt.Sprintf("must have at most %d lines", MaxLines)})
	}
	seen := make(map[Line]int, len(lines))
	for i, l := range lines {
		p := fmt.Sprintf("lines[%d].", i)
		add(checkName(p+"sku", l.SKU))
		add(checkQuantity(p+"quantity", l.Quantity, 1))
		if l.Warehouse != "" {
			add(checkName(p+"warehouse", l.Warehouse))
		}
		key := Line{SKU: l.SKU, Warehouse: l.Warehouse}
		if j, dup := seen[key]; dup {
			add(&apperr.FieldError{Field: p + "sku", Detail: fmt.Sprintf("repeats lines[%d]; add the quantities", j)})
		}
		seen[key] = i
	}
	if len(fs) > 0 {
		return apperr.Invalid(fs...)
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
