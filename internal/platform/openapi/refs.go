package openapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// checkRefs makes sure every $ref in the merged document points inside it: each service
// document stands alone, so a reference to another service's component (or a typo) would
// otherwise only show up in a client generator.
func checkRefs(doc []byte) error {
	var root any
	if err := json.Unmarshal(doc, &root); err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	refs := map[string]bool{}
	collectRefs(root, refs)
	bad := make([]string, 0)
	for ref := range refs {
		if !resolves(root, ref) {
			bad = append(bad, ref)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("openapi: $ref to nothing: %s", strings.Join(bad, ", "))
	}
	return nil
}

func collectRefs(v any, refs map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				refs[s] = true
				continue
			}
			collectRefs(x, refs)
		}
	case []any:
		for _, x := range v {
			collectRefs(x, refs)
		}
	}
}

// resolves reports whether ref is a local JSON pointer ("#/components/schemas/Money") to a
// member of root.
func resolves(root any, ref string) bool {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return false // the served document has no neighbours to point at
	}
	if ptr == "" {
		return true
	}
	if !strings.HasPrefix(ptr, "/") {
		return false
	}
	cur := root
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return false
			}
			cur = c[i]
		default:
			return false
		}
	}
	return true
}
