package search

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the search's REST API (paths and components), for the
// process's /openapi.json to merge with the other services' documents.
//
//go:embed openapi.json
var OpenAPI []byte
