package app

import (
	"context"

	"github.com/pasarhq/pasar/internal/payment"
)

// wirePayment opens the payment store and serves provider callbacks and the staff read of an
// intent. The built-in test provider is the only provider. Its callbacks are refused until the
// configuration carries a callback secret (none is configurable yet), which is the safe default:
// an unsigned callback can never move a payment. It returns the service for the checkout saga.
func (a *App) wirePayment(ctx context.Context) (payment.Service, error) {
	st, err := a.OpenStore(ctx, "payment", payment.Migrations)
	if err != nil {
		return nil, err
	}
	core := payment.NewCore(st.DB, st.Outbox, payment.Options{Logger: a.log.With("service", "payment")})
	payment.NewHandler(core, core).Routes(a.router)
	a.openapi = append(a.openapi, payment.OpenAPI)
	return core, nil
}
