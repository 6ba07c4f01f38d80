//go:build !linux

package main

import (
	"errors"
	"os"
)

// noEcho is only implemented on Linux; elsewhere the password comes from PASAR_USER_PASSWORD.
func noEcho(*os.File) (func(), error) {
	return nil, errors.New("password prompt not supported on this system")
}
