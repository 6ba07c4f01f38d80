package admin

import (
	"net/http"
	"strings"

	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

var orderStatuses = []order.Status{order.Pending, order.Placed, order.Paid, order.Shipped, order.Delivered,
	order.Cancelled, order.Refunded}

type orderListPage struct {
	Orders   []order.Order
	Status   string
	Statuses []order.Status
}

func (h *Handler) orderList(w http.ResponseWriter, r *http.Request) {
	st := order.Status(r.URL.Query().Get("status"))
	if !order.ValidStatus(st) {
		st = ""
	}
	list, err := h.o.Orders.List(r.Context(), order.Filter{Status: st, Limit: 100})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "orders", view{Title: "Orders", Nav: "orders",
		Page: orderListPage{Orders: list, Status: string(st), Statuses: orderStatuses}})
}

// orderPage is an order with what the signed-in person may do to it now.
type orderPage struct {
	Order                                     order.Order
	CanShip, CanDeliver, CanCancel, CanRefund bool
}

func (h *Handler) orderDetail(w http.ResponseWriter, r *http.Request) {
	h.showOrder(w, r, http.StatusOK, newForm(nil))
}

func (h *Handler) showOrder(w http.ResponseWriter, r *http.Request, status int, f *form) {
	o, err := h.o.Orders.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := auth.FromContext(r.Context())
	pg := orderPage{Order: o,
		// A placed order ships too when the shop captures payment at shipment (PASAR_CAPTURE).
		CanShip:    p.Can(auth.OrdersManage) && (o.Status == order.Paid || o.Status == order.Placed),
		CanDeliver: p.Can(auth.OrdersManage) && order.CanMove(o.Status, order.Delivered),
		CanCancel:  p.Can(auth.OrdersManage) && o.Status != order.Pending && order.CanMove(o.Status, order.Cancelled),
		CanRefund:  p.Can(auth.OrdersManage) && p.Can(auth.PaymentsRefund) && order.CanMove(o.Status, order.Refunded),
	}
	h.render(w, r, status, "order", view{Title: "Order " + o.Number, Nav: "orders", Form: f, Page: pg})
}

// orderAction runs one of ship, cancel and refund with the form's text (tracking number or
// reason) and shows the order again, with the error next to the field if it failed.
func (h *Handler) orderAction(w http.ResponseWriter, r *http.Request, field, notice string,
	act func(id, text string) (order.Order, error)) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	id := r.PathValue("id")
	if _, err := act(id, strings.TrimSpace(f.Get(field))); err != nil {
		h.showOrder(w, r, f.absorb(err), f)
		return
	}
	done(w, r, "/admin/orders/"+id, notice)
}

func (h *Handler) orderShip(w http.ResponseWriter, r *http.Request) {
	h.orderAction(w, r, "tracking_number", "shipped", func(id, t string) (order.Order, error) {
		return h.o.Orders.Ship(r.Context(), id, t)
	})
}

func (h *Handler) orderDeliver(w http.ResponseWriter, r *http.Request) {
	h.orderAction(w, r, "note", "delivered", func(id, t string) (order.Order, error) {
		return h.o.Orders.Deliver(r.Context(), id, t)
	})
}

func (h *Handler) orderCancel(w http.ResponseWriter, r *http.Request) {
	h.orderAction(w, r, "reason", "cancelled", func(id, t string) (order.Order, error) {
		if t == "" {
			t = "cancelled by staff"
		}
		return h.o.Orders.Cancel(r.Context(), id, t)
	})
}

func (h *Handler) orderRefund(w http.ResponseWriter, r *http.Request) {
	h.orderAction(w, r, "refund_reason", "refunded", func(id, t string) (order.Order, error) {
		if t == "" {
			t = "refunded by staff"
		}
		return h.o.Orders.Refund(r.Context(), id, t)
	})
}
