package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// calls lists the services each service calls through its Go interface; a process running one
// must run those too or know their URLs.
var calls = map[string][]string{
	"cart":  {"catalog", "inventory"},
	"order": {"cart", "inventory", "payment"},
	"web":   {"identity", "catalog", "search", "inventory", "cart", "order"},
}

// CheckServices checks that the services named by --services can run with the URLs given: each
// service they call runs here or has a PASAR_<SERVICE>_URL, sign-ins can be verified, and a
// process without identity has service credentials for its calls and its audit entries. It
// reports every problem in one error.
func CheckServices(cfg config.Config) error {
	local, err := config.ParseServices(cfg.Services)
	if err != nil || local == nil {
		return err
	}
	var problems []string
	for _, s := range local {
		for _, n := range calls[s] {
			if !cfg.RunsService(n) && cfg.ServiceURL(n) == "" {
				problems = append(problems, fmt.Sprintf("%s calls %s, which does not run here: add it to --services or set PASAR_%s_URL",
					s, n, strings.ToUpper(n)))
			}
		}
	}
	if !cfg.RunsService("identity") {
		if cfg.IdentityURL == "" {
			problems = append(problems, "identity does not run here: set PASAR_IDENTITY_URL (sign-ins are verified with its keys)")
		}
		onlySearch := len(local) == 1 && local[0] == "search"
		if cfg.ServiceClientID == "" && !onlySearch {
			problems = append(problems, "without identity in this process, calls to other services and audit entries need "+
				"a service client: set PASAR_SERVICE_CLIENT_ID and PASAR_SERVICE_CLIENT_SECRET")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("--services=%s: %s", cfg.Services, strings.Join(problems, "; "))
	}
	return nil
}

// clientOptions are the call policy of every service client this process builds, and the
// metrics they count their calls in.
func (a *App) clientOptions() []svcclient.Option {
	if a.clientMetrics == nil {
		a.clientMetrics = svcclient.NewMetrics(a.registry)
	}
	return []svcclient.Option{svcclient.WithTimeout(a.cfg.ServiceTimeout),
		svcclient.WithBreaker(a.cfg.BreakerFailures, a.cfg.BreakerCooldown), svcclient.WithMetrics(a.clientMetrics)}
}

// servicePermissions are what a process running identity grants its own calls to other services.
var servicePermissions = []auth.Permission{auth.CatalogWrite, auth.InventoryWrite, auth.OrdersRead,
	auth.OrdersManage, auth.PaymentsRefund, auth.SessionsExchange}

// serviceToken hands out this process's own access token for calls to other services, fetching
// a new one when the last is four fifths through its life.
type serviceToken struct {
	fetch func(context.Context) (identity.Tokens, error)

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// Token returns a valid token.
func (s *serviceToken) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.renewAt) {
		return s.token, nil
	}
	// Not cut short by one caller hanging up: the token serves every caller waiting here.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	t, err := s.fetch(auth.WithBearer(fctx, ""))
	if err != nil {
		return "", err
	}
	s.token = t.AccessToken
	s.renewAt = time.Now().Add(time.Duration(t.ExpiresIn) * time.Second * 4 / 5)
	return s.token, nil
}

// wireServiceToken sets up the token this process calls other services with: signed by its own
// identity when it runs one, or from the client-credentials grant at the remote identity.
func (a *App) wireServiceToken(core *identity.Core, remote *identity.Client) {
	switch {
	case core != nil:
		name := "pasar"
		if a.cfg.Services != "" {
			name += "-" + strings.ReplaceAll(a.cfg.Services, ",", "-")
		}
		a.token = &serviceToken{fetch: func(ctx context.Context) (identity.Tokens, error) {
			return core.IssueServiceToken(ctx, name, slices.Clone(servicePermissions))
		}}
	case remote != nil && a.cfg.ServiceClientID != "":
		id, secret := a.cfg.ServiceClientID, a.cfg.ServiceClientSecret
		a.token = &serviceToken{fetch: func(ctx context.Context) (identity.Tokens, error) {
			return remote.ServiceToken(ctx, id, secret)
		}}
	}
}

// withToken is the client option that makes calls carry this process's service token.
func (a *App) withToken() svcclient.Option {
	if a.token == nil {
		return func(*svcclient.Caller) {}
	}
	return svcclient.WithToken(a.token.Token)
}
