package gateway

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pasarhq/pasar/internal/platform/openapi"
)

// operationsOpenAPI documents the gateway's own endpoints (/healthz, /readyz, /metrics and
// /openapi.json).
//
//go:embed openapi.json
var operationsOpenAPI []byte

// document merges the services' documents with the gateway's own into what its /openapi.json
// answers: the shop's whole API in one document, as the all-in-one process serves it, less the
// service-to-service paths the gateway refuses.
func document(services [][]byte) ([]byte, error) {
	merged, err := openapi.Merge(openapi.Info{Title: "Pasar", Version: "1",
		Description: "The HTTP API of the shop, through its gateway. Errors are application/problem+json (RFC 9457); " +
			"money is integer minor units with an ISO 4217 currency."},
		append(slices.Clone(services), operationsOpenAPI)...)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	var paths map[string]json.RawMessage
	if err := json.Unmarshal(merged, &doc); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(doc["paths"], &paths); err != nil {
		return nil, err
	}
	for path := range paths {
		if r, _ := Lookup(path); r.Internal {
			delete(paths, path)
		}
	}
	if doc["paths"], err = json.Marshal(paths); err != nil {
		return nil, err
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("gateway: openapi: %w", err)
	}
	return out, nil
}
