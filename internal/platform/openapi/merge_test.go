package openapi_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/openapi"
)

var info = openapi.Info{Title: "Pasar", Version: "1"}

const problem = `"responses": {"Problem": {"description": "problem+json",
	"content": {"application/problem+json": {"schema": {"type": "object"}}}}}`

// catalogDoc and searchDoc share the Problem response and the bearer scheme, as service
// documents do; the spacing differs on purpose.
var (
	catalogDoc = `{"openapi": "3.1.0", "info": {"title": "catalog", "version": "1"},
		"tags": [{"name": "catalog"}],
		"paths": {"/api/v1/products": {"get": {"responses": {"200": {"description": "OK",
			"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Money"}}}},
			"400": {"$ref": "#/components/responses/Problem"}}}}},
		"components": {"schemas": {"Money": {"type": "object"}},
			"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, ` + problem + `}}`
	searchDoc = `{"openapi":"3.1.0","info":{"title":"search","version":"1"},
		"paths":{"/api/v1/search":{"get":{"responses":{"400":{"$ref":"#/components/responses/Problem"}}}}},
		"components":{"securitySchemes":{"bearer":{"scheme":"bearer","type":"http"}},` + problem + `}}`
	opsDoc = `{"openapi":"3.1.1","info":{"title":"operations","version":"1"},
		"paths":{"/healthz":{"get":{"responses":{"200":{"description":"alive"}}}}}}`
)

func TestMerge(t *testing.T) {
	t.Parallel()
	out, err := openapi.Merge(info, []byte(catalogDoc), []byte(searchDoc), []byte(opsDoc))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Info       openapi.Info                          `json:"info"`
		Paths      map[string]any                        `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
		Tags       []map[string]any                      `json:"tags"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info != info {
		t.Errorf("openapi %q, info %+v; want 3.1.0 and the given info", doc.OpenAPI, doc.Info)
	}
	for _, p := range []string{"/api/v1/products", "/api/v1/search", "/healthz"} {
		if doc.Paths[p] == nil {
			t.Errorf("path %s missing", p)
		}
	}
	if len(doc.Paths) != 3 {
		t.Errorf("%d paths, want 3", len(doc.Paths))
	}
	if doc.Components["schemas"]["Money"] == nil || doc.Components["responses"]["Problem"] == nil ||
		doc.Components["securitySchemes"]["bearer"] == nil {
		t.Errorf("components not all merged: %s", out)
	}
	if len(doc.Tags) != 1 || doc.Tags[0]["name"] != "catalog" {
		t.Errorf("tags = %v", doc.Tags)
	}

	again, err := openapi.Merge(info, []byte(catalogDoc), []byte(searchDoc), []byte(opsDoc))
	if err != nil || !bytes.Equal(out, again) {
		t.Error("the same inputs gave different bytes; the ETag would change on every start")
	}
}

func TestMergeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		info openapi.Info
		docs []string
		want string // in the error
	}{
		{"path defined twice", info, []string{catalogDoc,
			`{"openapi":"3.1.0","info":{"title":"other","version":"1"},"paths":{"/api/v1/products":{"post":{}}}}`},
			`path /api/v1/products is defined by document 1 ("catalog") and document 2 ("other")`},
		{"conflicting schema", info, []string{catalogDoc,
			`{"openapi":"3.1.0","paths":{},"components":{"schemas":{"Money":{"type":"string"}}}}`},
			`component #/components/schemas/Money is defined differently by document 1 ("catalog") and document 2`},
		{"conflicting response", info, []string{catalogDoc,
			`{"openapi":"3.1.0","paths":{},"components":{"responses":{"Problem":{"description":"other"}}}}`},
			"#/components/responses/Problem"},
		{"conflicting security scheme", info, []string{catalogDoc,
			`{"openapi":"3.1.0","paths":{},"components":{"securitySchemes":{"bearer":{"type":"apiKey"}}}}`},
			"#/components/securitySchemes/bearer"},
		{"dangling ref", info, []string{
			`{"openapi":"3.1.0","paths":{"/x":{"get":{"responses":{"404":{"$ref":"#/components/responses/Gone"}}}}}}`},
			"$ref to nothing: #/components/responses/Gone"},
		{"external ref", info, []string{
			`{"openapi":"3.1.0","paths":{"/x":{"$ref":"other.json#/paths/x"}}}`},
			"other.json#/paths/x"},
		{"OpenAPI 3.0", info, []string{`{"openapi":"3.0.3","paths":{}}`}, "document 1 is not OpenAPI 3.1"},
		{"no version", info, []string{`{"paths":{}}`}, "not OpenAPI 3.1"},
		{"not an object", info, []string{`[]`}, "document 1 is not a JSON object"},
		{"global security", info, []string{`{"openapi":"3.1.0","paths":{},"security":[{"bearer":[]}]}`},
			`top-level "security" cannot be merged`},
		{"tag described twice", info, []string{
			`{"openapi":"3.1.0","paths":{},"tags":[{"name":"a","description":"one"}]}`,
			`{"openapi":"3.1.0","paths":{},"tags":[{"name":"a","description":"two"}]}`},
			`tag "a"`},
		{"no title", openapi.Info{Version: "1"}, nil, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs := make([][]byte, len(tt.docs))
			for i, d := range tt.docs {
				docs[i] = []byte(d)
			}
			_, err := openapi.Merge(tt.info, docs...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMergeAcceptsIdenticalDefinitionsAndExtensions(t *testing.T) {
	t.Parallel()
	a := `{"openapi":"3.1.0","x-owner":"catalog","paths":{},"tags":[{"name":"t"}],
		"components":{"schemas":{"Money":{"type":"object","properties":{"amount":{"type":"integer"}}}}}}`
	b := `{"openapi":"3.1.0","paths":{},"tags":[{"name":"t"}],
		"components":{"schemas":{"Money":{"properties":{"amount":{"type":"integer"}},"type":"object"}}}}`
	if _, err := openapi.Merge(info, []byte(a), []byte(b)); err != nil {
		t.Fatal(err)
	}
	out, err := openapi.Merge(info)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"paths":{}`) {
		t.Errorf("no documents: %s; want an empty paths object", out)
	}
}
