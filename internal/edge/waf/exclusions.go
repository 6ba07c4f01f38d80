package waf

import _ "embed"

// exclusions are the reviewed rule exclusions for Pasar's own forms and APIs; every one carries
// a comment saying which journey needs it and why it is safe.
//
//go:embed pasar-exclusions.conf
var exclusions string
