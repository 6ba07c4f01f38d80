// Package openapi builds the process's one OpenAPI 3.1 document from the documents each service
// embeds. A process serves whichever services it wires, so its document is assembled at startup
// rather than written by hand.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Version is the OpenAPI version of every document Merge accepts and returns.
const Version = "3.1.0"

// Info is the merged document's info object.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// mergeable are the top-level members Merge knows how to combine. Anything else (servers, a
// document-wide security requirement, webhooks) would be silently dropped or would change the
// meaning of other services' operations, so it is refused. Extensions (x-...) only annotate a
// service's own document and are left out of the merged one.
var mergeable = map[string]bool{"openapi": true, "info": true, "paths": true, "components": true, "tags": true}

// Merge returns one OpenAPI 3.1 document with info and the paths, components and tags of docs.
// A component (schema, response, parameter, security scheme, ...) defined by several documents
// must be the same JSON in each; a different definition, a path defined twice, a $ref to a
// component no document defines, or a document that is not OpenAPI 3.1 is an error naming it.
// The output is deterministic: the same inputs give the same bytes (and so the same ETag).
func Merge(info Info, docs ...[]byte) ([]byte, error) {
	if info.Title == "" || info.Version == "" {
		return nil, fmt.Errorf("openapi: info needs a title and a version")
	}
	m := merger{paths: map[string]json.RawMessage{}, pathFrom: map[string]string{},
		components: map[string]map[string]json.RawMessage{}, componentFrom: map[string]string{},
		tags: map[string]json.RawMessage{}}
	for i, raw := range docs {
		if err := m.add(i, raw); err != nil {
			return nil, err
		}
	}
	out := map[string]any{"openapi": Version, "info": info, "paths": m.paths}
	if len(m.components) > 0 {
		out["components"] = m.components
	}
	if len(m.tags) > 0 {
		names := make([]string, 0, len(m.tags))
		for name := range m.tags {
			names = append(names, name)
		}
		sort.Strings(names)
		tags := make([]json.RawMessage, len(names))
		for i, name := range names {
			tags[i] = m.tags[name]
		}
		out["tags"] = tags
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := checkRefs(b); err != nil {
		return nil, err
	}
	return b, nil
}

type merger struct {
	paths         map[string]json.RawMessage
	pathFrom      map[string]string // path -> the document that defined it
	components    map[string]map[string]json.RawMessage
	componentFrom map[string]string // "schemas/Money" -> the document that defined it first
	tags          map[string]json.RawMessage
}

// add merges document i.
func (m *merger) add(i int, raw []byte) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("openapi: document %d is not a JSON object: %w", i+1, err)
	}
	name := docName(i, doc)
	var version string
	if err := json.Unmarshal(doc["openapi"], &version); err != nil || !strings.HasPrefix(version, "3.1.") {
		return fmt.Errorf("openapi: %s is not OpenAPI 3.1 (openapi: %s)", name, doc["openapi"])
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !mergeable[k] && !strings.HasPrefix(k, "x-") {
			return fmt.Errorf("openapi: %s: top-level %q cannot be merged; put it on the operations instead", name, k)
		}
	}

	var paths map[string]json.RawMessage
	if err := unmarshalOptional(doc["paths"], &paths); err != nil {
		return fmt.Errorf("openapi: %s: paths: %w", name, err)
	}
	for p, item := range paths {
		if prev, ok := m.pathFrom[p]; ok {
			return fmt.Errorf("openapi: path %s is defined by %s and %s", p, prev, name)
		}
		m.paths[p], m.pathFrom[p] = item, name
	}

	var components map[string]map[string]json.RawMessage
	if err := unmarshalOptional(doc["components"], &components); err != nil {
		return fmt.Errorf("openapi: %s: components: %w", name, err)
	}
	for kind, byName := range components {
		if m.components[kind] == nil {
			m.components[kind] = map[string]json.RawMessage{}
		}
		for n, def := range byName {
			key := kind + "/" + n
			if prev, ok := m.components[kind][n]; ok {
				if !sameJSON(prev, def) {
					return fmt.Errorf("openapi: component %s is defined differently by %s and %s",
						"#/components/"+key, m.componentFrom[key], name)
				}
				continue
			}
			m.components[kind][n], m.componentFrom[key] = def, name
		}
	}

	var tags []json.RawMessage
	if err := unmarshalOptional(doc["tags"], &tags); err != nil {
		return fmt.Errorf("openapi: %s: tags: %w", name, err)
	}
	for _, t := range tags {
		var tag struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(t, &tag); err != nil || tag.Name == "" {
			return fmt.Errorf("openapi: %s: a tag without a name", name)
		}
		if prev, ok := m.tags[tag.Name]; ok && !sameJSON(prev, t) {
			return fmt.Errorf("openapi: tag %q is described differently by two documents (one is %s)", tag.Name, name)
		}
		m.tags[tag.Name] = t
	}
	return nil
}

// docName names document i in errors by its title when it has one.
func docName(i int, doc map[string]json.RawMessage) string {
	var info struct {
		Title string `json:"title"`
	}
	if json.Unmarshal(doc["info"], &info) == nil && info.Title != "" {
		return fmt.Sprintf("document %d (%q)", i+1, info.Title)
	}
	return fmt.Sprintf("document %d", i+1)
}

func unmarshalOptional(raw json.RawMessage, v any) error {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// sameJSON reports whether a and b encode the same value, whatever their spacing and key order.
func sameJSON(a, b json.RawMessage) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
