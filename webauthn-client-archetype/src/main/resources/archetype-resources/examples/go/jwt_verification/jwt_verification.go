// Command jwt_verification verifies one token of the passkey server and prints its claims.
//
//	jwt_verification (--jwks <file or URL> | --public-key <PEM file>) --issuer <iss> --audience <aud>
//	                 [--algorithms <list>] [--leeway <seconds>] <token>
//
// Exit 0: the claims are printed as JSON. Exit 1: "refused: <reason>: <detail>" on stderr. Exit 2: bad usage.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"webauthn-examples/verifier"
)

const usage = "usage: jwt_verification (--jwks <file or URL> | --public-key <PEM file>) --issuer <iss> " +
	"--audience <aud> [--algorithms <list>] [--leeway <seconds>] <token>"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jwt_verification", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // one line of our own instead of the flag package's listing
	jwks := fs.String("jwks", "", "")
	publicKey := fs.String("public-key", "", "")
	issuer := fs.String("issuer", os.Getenv("WEBAUTHN_ISSUER"), "")
	audience := fs.String("audience", os.Getenv("WEBAUTHN_AUDIENCE"), "")
	algorithms := fs.String("algorithms", os.Getenv("WEBAUTHN_ALGORITHMS"), "")
	leeway := fs.Uint("leeway", 30, "")

	// Options may come before or after the token: parse, take one positional argument, go on.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, usage)
				return 0
			}
			return usageError(stderr, err.Error())
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		return usageError(stderr, fmt.Sprintf("expected one token, got %d arguments", len(positional)))
	}
	if *jwks != "" && *publicKey != "" {
		return usageError(stderr, "--jwks and --public-key exclude each other")
	}
	if *jwks == "" && *publicKey == "" {
		*jwks = firstSet("WEBAUTHN_JWKS_URL", "WEBAUTHN_JWKS_FILE")
		*publicKey = os.Getenv("WEBAUTHN_PUBLIC_KEY_FILE")
	}

	algs, err := verifier.ParseAlgorithms(*algorithms)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	cooldown, err := verifier.CooldownFromEnv()
	if err != nil {
		return usageError(stderr, err.Error())
	}
	// No logger: a one-shot run reports a failed fetch in its refusal line.
	keys, err := verifier.OpenKeys(*jwks, *publicKey, cooldown, nil)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	v, err := verifier.New(verifier.Config{
		Keys:       keys,
		Issuer:     *issuer,
		Audience:   *audience,
		Algorithms: algs,
		Leeway:     time.Duration(*leeway) * time.Second,
	})
	if err != nil {
		return usageError(stderr, err.Error())
	}

	claims, err := v.Verify(positional[0])
	if err != nil {
		fmt.Fprintln(stderr, "refused: "+err.Error())
		return 1
	}
	out, _ := json.Marshal(claims) // claims decoded from JSON always encode again
	fmt.Fprintln(stdout, string(out))
	return 0
}

func firstSet(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func usageError(stderr io.Writer, problem string) int {
	fmt.Fprintf(stderr, "jwt_verification: %s (%s)\n", problem, usage)
	return 2
}
