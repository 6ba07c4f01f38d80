// Command bare is the baseline of the catalog benchmark: a bare net/http server answering
// /detail and /list with fixed bodies of the sizes the catalog's responses have, so wrk can
// measure the HTTP ceiling in the same run as the real endpoints (see bench/catalog.sh).
package main

import (
	"bytes"
	"flag"
	"log"
	"net/http"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18181", "address to listen on")
	detail := flag.Int("detail-bytes", 1500, "size of the /detail body")
	list := flag.Int("list-bytes", 30000, "size of the /list body")
	flag.Parse()
	serve := func(n int) http.HandlerFunc {
		body := bytes.Repeat([]byte("x"), n)
		length := strconv.Itoa(n)
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", length)
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /detail", serve(*detail))
	mux.HandleFunc("GET /list", serve(*list))
	log.Fatal(http.ListenAndServe(*addr, mux))
}
