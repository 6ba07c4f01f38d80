package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/pricing"
)

type cartData struct {
	Cart  cart.View
	Empty bool
	Added bool
}

func (s *Storefront) cartPage(w http.ResponseWriter, r *http.Request) {
	v, _ := s.currentCart(r)
	s.showCart(w, r, http.StatusOK, v, nil)
}

func (s *Storefront) showCart(w http.ResponseWriter, r *http.Request, status int, v cart.View, errs map[string]string) {
	d := cartData{Cart: v, Empty: len(v.Items) == 0, Added: r.URL.Query().Get("added") == "1"}
	var n int64
	for _, it := range v.Items {
		n += it.Quantity
	}
	s.render(w, r, status, cacheNone, "cart", view{Title: "Your cart", CartCount: n, Errors: errs, Form: r.PostForm, Data: d})
}

// quantity reads a quantity field: a whole number from min to 999.
func quantity(v string, min int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < min || n > 999 {
		return 0, apperr.Invalid(apperr.FieldError{Field: "quantity", Detail: "must be a whole number from " + strconv.FormatInt(min, 10) + " to 999"})
	}
	return n, nil
}

// addItem puts the chosen variant in the cart. A problem (sold out, bad quantity) shows the
// product page again with the problem next to the field.
func (s *Storefront) addItem(w http.ResponseWriter, r *http.Request) {
	sku, slug := r.PostForm.Get("sku"), r.PostForm.Get("slug")
	n, err := quantity(r.PostForm.Get("quantity"), 1)
	if err == nil && sku == "" {
		err = apperr.Invalid(apperr.FieldError{Field: "sku", Detail: "choose an option"})
	}
	if err == nil {
		var id string
		if id, err = s.ensureCart(w, r); err == nil {
			_, err = s.o.Carts.AddItem(r.Context(), id, sku, n)
		}
	}
	if err == nil {
		redirect(w, r, "/cart?added=1")
		return
	}
	errs, ok := fieldErrors(err)
	if !ok || slug == "" {
		s.fail(w, r, err)
		return
	}
	p, perr := s.o.Catalog.Product(r.Context(), slug)
	if perr != nil {
		s.fail(w, r, err)
		return
	}
	d, perr := s.productView(r, p, sku)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, cacheNone, "product", view{Title: p.Title, Errors: errs, Form: r.PostForm, Data: d})
}

// cartChange runs a change of the shopper's cart and shows the cart again: by redirect when it
// worked, with the problem and 422 when the shopper can fix it.
func (s *Storefront) cartChange(w http.ResponseWriter, r *http.Request, change func(id string) (cart.View, error)) {
	cur, ok := s.currentCart(r)
	if !ok {
		redirect(w, r, "/cart")
		return
	}
	_, err := change(cur.ID)
	if err == nil {
		redirect(w, r, "/cart")
		return
	}
	errs, ok := fieldErrors(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	if sku := r.PathValue("sku"); sku != "" {
		errs["quantity:"+sku] = errs["quantity"]
		if errs["quantity:"+sku] == "" {
			errs["quantity:"+sku] = errs[""]
		}
	}
	cur, _ = s.currentCart(r)
	s.showCart(w, r, http.StatusUnprocessableEntity, cur, errs)
}

func (s *Storefront) setQuantity(w http.ResponseWriter, r *http.Request) {
	s.cartChange(w, r, func(id string) (cart.View, error) {
		n, err := quantity(r.PostForm.Get("quantity"), 0)
		if err != nil {
			return cart.View{}, err
		}
		if n == 0 {
			return s.o.Carts.RemoveItem(r.Context(), id, r.PathValue("sku"))
		}
		return s.o.Carts.SetQuantity(r.Context(), id, r.PathValue("sku"), n)
	})
}

func (s *Storefront) removeItem(w http.ResponseWriter, r *http.Request) {
	s.cartChange(w, r, func(id string) (cart.View, error) { return s.o.Carts.RemoveItem(r.Context(), id, r.PathValue("sku")) })
}

func (s *Storefront) applyDiscount(w http.ResponseWriter, r *http.Request) {
	s.cartChange(w, r, func(id string) (cart.View, error) {
		code := strings.TrimSpace(r.PostForm.Get("code"))
		v, err := s.o.Carts.ApplyDiscount(r.Context(), id, code)
		var ae *apperr.Error
		if errors.As(err, &ae) && len(ae.Fields) == 0 {
			// Unknown or expired codes come without a field; the form has one.
			err = apperr.Invalid(apperr.FieldError{Field: "code", Detail: ae.Message})
		}
		return v, err
	})
}

func (s *Storefront) removeDiscount(w http.ResponseWriter, r *http.Request) {
	s.cartChange(w, r, func(id string) (cart.View, error) { return s.o.Carts.RemoveDiscount(r.Context(), id) })
}

type checkoutData struct {
	Cart     cart.View
	Shipping []pricing.ShippingMethod
	Method   string
	Key      string
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Storefront) checkoutPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.currentCart(r)
	if !ok || len(v.Items) == 0 {
		redirect(w, r, "/cart")
		return
	}
	form := r.URL.Query()
	if form.Get("email") == "" {
		form.Set("email", auth.FromContext(r.Context()).Email)
	}
	if form.Get("shipping_address.country") == "" {
		form.Set("shipping_address.country", "US")
	}
	s.showCheckout(w, r, http.StatusOK, v, form.Get("shipping_method"), form, nil)
}

func (s *Storefront) showCheckout(w http.ResponseWriter, r *http.Request, status int, v cart.View, method string, form map[string][]string, errs map[string]string) {
	if method == "" {
		method = s.o.Shipping[0].ID
	}
	if q, err := s.o.Carts.Quote(r.Context(), v.ID, cart.Destination{ShippingMethod: method}); err == nil {
		v = q
	}
	// A fresh key per form shown: a double-submitted form checks out once, and a retry after
	// a declined card is a new attempt.
	d := checkoutData{Cart: v, Shipping: s.o.Shipping, Method: method, Key: newKey()}
	s.render(w, r, status, cacheNone, "checkout", view{Title: "Checkout", Errors: errs, Form: form, Data: d})
}

// receiptCookie lets a guest, who has no account to find it in, see the order they just placed.
const receiptCookie = "pasar_receipt"

func (s *Storefront) checkout(w http.ResponseWriter, r *http.Request) {
	v, ok := s.currentCart(r)
	if !ok || len(v.Items) == 0 {
		redirect(w, r, "/cart")
		return
	}
	f := r.PostForm
	req := order.CheckoutRequest{CartID: v.ID, Email: strings.TrimSpace(f.Get("email")),
		ShippingMethod: f.Get("shipping_method"),
		ShippingAddress: order.Address{Name: strings.TrimSpace(f.Get("shipping_address.name")),
			Line1: strings.TrimSpace(f.Get("shipping_address.line1")), Line2: strings.TrimSpace(f.Get("shipping_address.line2")),
			City: strings.TrimSpace(f.Get("shipping_address.city")), Region: strings.ToUpper(strings.TrimSpace(f.Get("shipping_address.region"))),
			PostalCode: strings.TrimSpace(f.Get("shipping_address.postal_code")),
			Country:    strings.ToUpper(strings.TrimSpace(f.Get("shipping_address.country")))},
		Payment: order.Payment{CardNumber: strings.TrimSpace(f.Get("payment.card_number")), CVC: strings.TrimSpace(f.Get("payment.cvc"))}}
	var err error
	if exp := strings.TrimSpace(f.Get("payment.exp")); exp != "" {
		req.Payment.ExpMonth, req.Payment.ExpYear, err = parseExpiry(exp)
	}
	key := f.Get("key")
	if err == nil && (key == "" || len(key) > 64) {
		key = newKey()
	}
	var o order.Order
	if err == nil {
		o, err = s.o.Orders.Checkout(r.Context(), key, req)
	}
	if err != nil {
		errs, ok := fieldErrors(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		if apperr.KindOf(err) == apperr.PaymentRequired {
			errs["payment.card_number"] = errs[""]
		}
		status := http.StatusUnprocessableEntity
		if apperr.KindOf(err) == apperr.PaymentRequired {
			status = http.StatusPaymentRequired
		}
		v, _ = s.currentCart(r)
		s.showCheckout(w, r, status, v, req.ShippingMethod, f, errs)
		return
	}
	clearCartCookie(w, r)
	if !signedIn(r) {
		http.SetCookie(w, &http.Cookie{Name: receiptCookie, Value: o.ID, Path: "/orders/", MaxAge: int((24 * time.Hour).Seconds()),
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	}
	redirect(w, r, "/orders/"+o.ID+"?placed=1")
}

var errExpiry = apperr.Invalid(apperr.FieldError{Field: "payment.exp", Detail: "must be MM/YY, e.g. 12/30"})

// parseExpiry reads a card expiry written MM/YY or MM/YYYY.
func parseExpiry(v string) (month, year int, err error) {
	m, y, ok := strings.Cut(v, "/")
	if !ok {
		return 0, 0, errExpiry
	}
	month, err1 := strconv.Atoi(strings.TrimSpace(m))
	year, err2 := strconv.Atoi(strings.TrimSpace(y))
	if err1 != nil || err2 != nil || month < 1 || month > 12 || year < 0 || year > 9999 {
		return 0, 0, errExpiry
	}
	if year < 100 {
		year += 2000
	}
	return month, year, nil
}

type orderData struct {
	Order  order.Order
	Placed bool
}

// orderPage shows an order to its customer, or to the guest whose browser just placed it.
func (s *Storefront) orderPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	o, err := s.o.Orders.Get(r.Context(), id)
	if errors.Is(err, order.ErrNotFound) && !signedIn(r) {
		if c, cerr := r.Cookie(receiptCookie); cerr == nil && c.Value == id {
			// The order service shows guest orders to staff only; the receipt cookie proves
			// this browser placed it, so the page reads it on its own behalf.
			var ctx context.Context
			if ctx, err = s.o.OwnBehalf(r.Context()); err == nil {
				o, err = s.o.Orders.Get(ctx, id)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, cacheNone, "order", view{Title: "Order " + o.Number,
		Data: orderData{Order: o, Placed: r.URL.Query().Get("placed") == "1"}})
}

var receiptReader = auth.Principal{Subject: "service:web-receipt", Service: true, Permissions: []auth.Permission{auth.OrdersRead}}
