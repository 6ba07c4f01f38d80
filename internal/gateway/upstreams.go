package gateway

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ParseUpstreams reads a routes file: a line per service, its name and then its replicas' base
// URLs, separated by spaces or commas; "#" starts a comment. For example:
//
//	# service   replicas
//	catalog     http://10.0.0.5:8080, http://10.0.0.6:8080
//	search      http://10.0.0.7:8080
func ParseUpstreams(r io.Reader) (map[string][]string, error) {
	out := map[string][]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(strings.ReplaceAll(line, ",", " "))
		if len(fields) == 0 {
			continue
		}
		service := fields[0]
		if !known(service) {
			return nil, fmt.Errorf("line %d: unknown service %q (known: %s)", n, service, strings.Join(Services, ", "))
		}
		if len(fields) == 1 {
			return nil, fmt.Errorf("line %d: %s has no replica URLs", n, service)
		}
		if _, dup := out[service]; dup {
			return nil, fmt.Errorf("line %d: %s is listed twice; put all its replicas on one line", n, service)
		}
		out[service] = fields[1:]
	}
	return out, sc.Err()
}
