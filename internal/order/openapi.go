package order

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the checkout and order API, for the process's
// /openapi.json to merge with the other services' documents.
//
//go:embed openapi.json
var OpenAPI []byte
