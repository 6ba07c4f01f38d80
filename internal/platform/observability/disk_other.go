//go:build !unix

package observability

import "errors"

const diskSpaceKnown = false

func diskSpace(string) (size, free uint64, err error) {
	return 0, 0, errors.New("filesystem space is not read on this platform")
}
