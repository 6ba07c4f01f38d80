// Package pricing computes a basket's totals: subtotal, discount, shipping, tax and total, in
// integer minor units of one currency. It is pure (no store, no clock of its own), so the cart
// and the order service get the same totals from the same input. docs/PRICING.md states the
// rounding rules; the table tests in this package hold them.
package pricing
