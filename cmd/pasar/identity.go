package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

const userUsage = `  --email E               the account's email address
  --role R                customer, staff or admin (default customer)
  The password comes from PASAR_USER_PASSWORD, or is asked for on the terminal.
`

// userCmd runs `pasar user create --email E --role admin`.
func userCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{errors.New(`want "pasar user create --email E [--role admin]"`)}
	}
	email, rest, err := takeFlag(args[1:], "email")
	if err != nil {
		return usageError{err}
	}
	role, rest, err := takeFlag(rest, "role")
	if err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig("user create", config.Storage, rest, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, userUsage)
		}
		return err
	}
	if email == "" {
		return usageError{errors.New("--email is required")}
	}
	if role == "" {
		role = string(auth.Customer)
	}
	if !auth.ValidRole(auth.Role(role)) {
		return usageError{fmt.Errorf("--role %q: want customer, staff or admin", role)}
	}
	password := getenv("PASAR_USER_PASSWORD")
	if password == "" {
		if password, err = askPassword(stderr); err != nil {
			return err
		}
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	u, err := app.CreateUser(context.Background(), cfg, log, email, password, auth.Role(role))
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "user created: %s %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

// keysCmd runs `pasar keys rotate`.
func keysCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError{errors.New(`want "pasar keys rotate"`)}
	}
	cfg, err := loadConfig("keys rotate", config.Storage, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	log := observability.NewLogger(stderr, cfg.SlogLevel(), cfg.LogFormat)
	res, err := app.RotateKeys(context.Background(), cfg, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing key %s added; new tokens are signed with it from %s\n",
		res.Added, res.SignsFrom.UTC().Format("2006-01-02 15:04:05 MST"))
	for _, kid := range res.Retired {
		fmt.Fprintf(stdout, "signing key %s retired (no longer published)\n", kid)
	}
	return nil
}

// takeFlag removes --name V (or --name=V) from args and returns V and the rest.
func takeFlag(args []string, name string) (string, []string, error) {
	var value string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		n, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || n != name {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			v = args[i]
		}
		value = v
	}
	return value, rest, nil
}

// askPassword reads a password twice from the terminal without echoing it.
func askPassword(stderr io.Writer) (string, error) {
	restore, err := noEcho(os.Stdin)
	if err != nil {
		return "", fmt.Errorf("no terminal to ask for the password on; set PASAR_USER_PASSWORD: %w", err)
	}
	defer restore()
	in := bufio.NewReader(os.Stdin)
	read := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		line, err := in.ReadString('\n')
		fmt.Fprintln(stderr)
		if err != nil && line == "" {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	first, err := read("Password: ")
	if err != nil {
		return "", err
	}
	second, err := read("Again: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", usageError{errors.New("the passwords differ")}
	}
	return first, nil
}

// explain turns a service error into text for the terminal, naming the fields at fault.
func explain(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
		return err
	}
	if len(ae.Fields) == 0 {
		return usageError{errors.New(ae.Message)}
	}
	parts := make([]string, 0, len(ae.Fields))
	for _, f := range ae.Fields {
		parts = append(parts, f.Field+" "+f.Detail)
	}
	return usageError{errors.New(strings.Join(parts, "; "))}
}
