package app

import (
	"context"
	"log/slog"

	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// ParkedEvents lists, for every service store, the events its consumers gave up on, so an
// operator can see them without a database shell (`pasar events parked`).
func ParkedEvents(ctx context.Context, cfg config.Config, log *slog.Logger) ([]events.ParkedEvent, error) {
	var all []events.ParkedEvent
	for _, s := range services {
		d, err := openMigrated(ctx, cfg, s.name, s.migrations)
		if err != nil {
			return nil, err
		}
		ps, err := events.Parked(ctx, d)
		d.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
	}
	return all, nil
}
