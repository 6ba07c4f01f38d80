package cart

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the cart's REST API (carts and the discount admin API),
// for the process's /openapi.json to merge with the other services' documents.
//
//go:embed openapi.json
var OpenAPI []byte
