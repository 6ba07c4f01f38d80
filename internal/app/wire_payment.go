package app

import (
	"context"

	"github.com/pasarhq/pasar/internal/payment"
)

// wirePayment opens the payment store and serves provider callbacks and the staff read of an
// intent. The built-in test provider is the only provider. Its callbacks are refused while
// PASAR_PAYMENT_CALLBACK_SECRET is empty, which is the safe default: an unsigned callback can
// never move a payment. It returns the service for the checkout saga.
func (a *App) wirePayment(ctx context.Context) (payment.Service, error) {
	st, err := a.OpenStore(ctx, "payment", payment.Migrations)
	if err != nil {
		return nil, err
	}
	opts := payment.Options{Logger: a.log.With("service", "payment")}
	if a.cfg.PaymentCallbackSecret != "" {
		opts.CallbackSecrets = map[string][]byte{payment.TestProviderName: []byte(a.cfg.PaymentCallbackSecret)}
	}
	core := payment.NewCore(st.DB, st.Outbox, opts)
	payment.NewHandler(core, core).Routes(a.router)
	a.openapi = append(a.openapi, payment.OpenAPI)
	return core, nil
}
