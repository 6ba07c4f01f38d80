package admin

import (
	"net/http"
	"sort"
	"time"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

// Dashboard limits: it reads at most this many of the newest orders for today's figures, and
// shows this many of the SKUs lowest on stock.
const (
	dashboardOrders   = order.MaxLimit
	dashboardLowStock = 10
)

type dashboardPage struct {
	OrdersToday int
	Revenue     []moneyTotal // per currency: today's orders not cancelled, refunded or still pending
	Recent      []order.Order
	LowStock    []inventory.Stock
	Activity    []auth.AuditEntry
	Partial     bool // today's orders were more than the dashboard reads
	// Unavailable names the panels whose service did not answer: the rest of the dashboard
	// is still worth showing when one service is down.
	Unavailable []string
}

type moneyTotal struct {
	Amount   int64
	Currency string
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	var d dashboardPage
	if p.Can(auth.OrdersRead) {
		orders, err := h.o.Orders.List(ctx, order.Filter{Limit: dashboardOrders})
		if err != nil {
			h.unavailable(r, &d, "orders", err)
		} else {
			d.OrdersToday, d.Revenue, d.Partial = today(orders, h.o.Now())
			d.Recent = orders[:min(5, len(orders))]
		}
	}
	if p.Can(auth.InventoryWrite) {
		// One query for the whole shop's low stock, not one per SKU.
		low, err := h.o.Inventory.LowStock(ctx, dashboardLowStock)
		if err != nil {
			h.unavailable(r, &d, "stock", err)
		}
		d.LowStock = low
	}
	if p.Can(auth.AuditRead) {
		page, err := h.o.Identity.ListAudit(ctx, identity.AuditFilter{Limit: 10})
		if err != nil {
			h.unavailable(r, &d, "recent activity", err)
		}
		d.Activity = page.Entries
	}
	h.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Nav: "dashboard", Page: d})
}

func (h *Handler) unavailable(r *http.Request, d *dashboardPage, panel string, err error) {
	h.o.Logger.Error("dashboard panel", "panel", panel, "path", r.URL.Path, "err", err)
	d.Unavailable = append(d.Unavailable, panel)
}

// today counts the orders created since midnight UTC and sums the revenue of those that went
// through (placed, whether captured yet or not, and not cancelled or refunded since).
func today(orders []order.Order, now time.Time) (count int, revenue []moneyTotal, partial bool) {
	start := now.UTC().Truncate(24 * time.Hour)
	sums := map[string]int64{}
	for _, o := range orders {
		if o.CreatedAt.Before(start) {
			continue
		}
		count++
		switch o.Status {
		case order.Placed, order.Paid, order.Shipped, order.Delivered:
			sums[o.Total.Currency] += o.Total.Amount
		}
	}
	for c, a := range sums {
		revenue = append(revenue, moneyTotal{a, c})
	}
	sort.Slice(revenue, func(i, j int) bool { return revenue[i].Currency < revenue[j].Currency })
	partial = len(orders) == dashboardOrders && count == len(orders)
	return count, revenue, partial
}
