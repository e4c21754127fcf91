// Package verifier checks a passkey server's JWT in the order of examples/README.md (RFC 8725) and names the first
// check that fails. The verifier CLI and the exchange service both use it.
package verifier

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The reasons of a refusal, as the contract names them.
const (
	Malformed       = "malformed"
	Algorithm       = "algorithm"
	UnknownKid      = "unknown_kid"
	Signature       = "signature"
	MissingClaim    = "missing_claim"
	Expired         = "expired"
	NotYetValid     = "not_yet_valid"
	Issuer          = "issuer"
	Audience        = "audience"
	KeysUnavailable = "keys_unavailable"
	Replayed        = "replayed"
)

// DefaultAlgorithms is the allow-list when none is given: every algorithm the passkey server signs with.
const DefaultAlgorithms = "RS256,RS384,RS512,PS256,ES256,ES384,EdDSA"

// supported holds the asymmetric algorithms an allow-list may name; none and HMAC can never be allowed.
var supported = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Refusal is why a token was not accepted.
type Refusal struct {
	Reason string
	Detail string
}

func (r *Refusal) Error() string { return r.Reason + ": " + r.Detail }

func refuse(reason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// quote makes a value taken from a token safe to print on one line of a log or an error.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}

// ParseAlgorithms reads a comma-separated allow-list; an empty one is DefaultAlgorithms.
func ParseAlgorithms(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		list = DefaultAlgorithms
	}
	var algs []string
	for _, a := range strings.Split(list, ",") {
		a = strings.TrimSpace(a)
		if !slices.Contains(supported, a) {
			return nil, fmt.Errorf("algorithm %q is not allowed (choose from %s)", a, strings.Join(supported, ","))
		}
		if !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	return algs, nil
}

// Config is what a token must match.
type Config struct {
	Keys       KeySource
	Issuer     string
	Audience   string
	Algorithms []string
	Leeway     time.Duration
}

// Verifier checks tokens against one Config.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser
}

// New checks the configuration once, so that a mistake shows at start-up rather than as refused tokens.
func New(cfg Config) (*Verifier, error) {
	switch {
	case cfg.Keys == nil:
		return nil, errors.New("no key source")
	case cfg.Issuer == "":
		return nil, errors.New("no issuer")
	case cfg.Audience == "":
		return nil, errors.New("no audience")
	case len(cfg.Algorithms) == 0:
		return nil, errors.New("empty algorithm allow-list")
	case cfg.Leeway < 0:
		return nil, errors.New("negative leeway")
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(supported, a) {
			return nil, fmt.Errorf("algorithm %q is not allowed", a)
		}
	}
	if single, ok := cfg.Keys.(SingleKey); ok && !slices.ContainsFunc(cfg.Algorithms, Key(single).fits) {
		return nil, fmt.Errorf("the key (%s) suits none of the allowed algorithms %s", Key(single).describe(),
			strings.Join(cfg.Algorithms, ","))
	}
	return &Verifier{cfg: cfg, parser: jwt.NewParser(
		// The library repeats the allow-list check, so a mistake in readHeader cannot let none or HMAC through.
		jwt.WithValidMethods(cfg.Algorithms),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
		// Keeps large numeric claims exact when the claims are printed again.
		jwt.WithJSONNumber(),
	)}, nil
}

// Verify returns the token's claims, or a *Refusal naming the first check that failed.
func (v *Verifier) Verify(token string) (jwt.MapClaims, error) {
	alg, kid, refusal := readHeader(token)
	if refusal != nil {
		return nil, refusal
	}
	// Before any key is touched: an attacker picks alg, so it must never choose how the key is used.
	if !slices.Contains(v.cfg.Algorithms, alg) {
		return nil, refuse(Algorithm, "%s is not on the allow-list %s", quote(alg), strings.Join(v.cfg.Algorithms, ","))
	}
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) {
		key, err := v.cfg.Keys.Key(kid)
		if err != nil {
			return nil, err
		}
		if !key.fits(alg) {
			return nil, refuse(Algorithm, "the key %s is for %s, the token says %s", quote(kid), key.describe(), alg)
		}
		return key.Public, nil
	})
	var r *Refusal
	switch {
	case errors.As(err, &r):
		return nil, r
	case err == nil || errors.Is(err, jwt.ErrTokenInvalidClaims):
		if r := v.claimsRefusal(claims, err); r != nil {
			return nil, r
		}
		return claims, nil
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, refuse(Signature, "the signature does not verify with the key %s", quote(kid))
	default:
		return nil, refuse(Malformed, "%v", err)
	}
}

// readHeader does the first check itself, so that a missing alg or a bad part is "malformed" rather than whatever
// the library would call it.
func readHeader(token string) (alg, kid string, refusal *Refusal) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", refuse(Malformed, "a JWT has three dot-separated parts, this one has %d", len(parts))
	}
	var header, payload map[string]any
	for i, into := range []*map[string]any{&header, &payload, nil} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return "", "", refuse(Malformed, "part %d is not base64url", i+1)
		}
		if into != nil && (json.Unmarshal(raw, into) != nil || *into == nil) {
			return "", "", refuse(Malformed, "part %d is not a JSON object", i+1)
		}
	}
	alg, ok := header["alg"].(string)
	if !ok || alg == "" {
		return "", "", refuse(Malformed, "the header has no alg")
	}
	if k, present := header["kid"]; present {
		if kid, ok = k.(string); !ok {
			return "", "", refuse(Malformed, "the header's kid is not a string")
		}
	}
	// RFC 7515 4.1.11: extensions marked critical must be understood, and this verifier understands none.
	if _, present := header["crit"]; present {
		return "", "", refuse(Malformed, "the header has crit extensions, none are supported")
	}
	return alg, kid, nil
}

// claimsRefusal names the first failing claim check in the contract's order; err is what the library found.
func (v *Verifier) claimsRefusal(c jwt.MapClaims, err error) *Refusal {
	exp, e := c.GetExpirationTime()
	if e != nil || exp == nil {
		return refuse(MissingClaim, "exp is missing or not a number")
	}
	if iat, e := c.GetIssuedAt(); e != nil || iat == nil {
		return refuse(MissingClaim, "iat is missing or not a number")
	}
	if sub, e := c.GetSubject(); e != nil || sub == "" {
		return refuse(MissingClaim, "sub is missing or not a string")
	}
	if errors.Is(err, jwt.ErrTokenExpired) {
		return refuse(Expired, "exp %s has passed (leeway %s)", exp.UTC().Format(time.RFC3339), v.cfg.Leeway)
	}
	nbf, e := c.GetNotBefore()
	if e != nil {
		return refuse(NotYetValid, "nbf is not a number")
	}
	if errors.Is(err, jwt.ErrTokenNotValidYet) {
		return refuse(NotYetValid, "nbf %s has not come (leeway %s)", nbf.UTC().Format(time.RFC3339), v.cfg.Leeway)
	}
	if iss, e := c.GetIssuer(); e != nil || iss != v.cfg.Issuer {
		return refuse(Issuer, "iss %s is not %s", quote(iss), quote(v.cfg.Issuer))
	}
	if aud, e := c.GetAudience(); e != nil || !slices.Contains(aud, v.cfg.Audience) {
		return refuse(Audience, "aud %s does not contain %s", quote(strings.Join(aud, ",")), quote(v.cfg.Audience))
	}
	if err != nil {
		return refuse(Malformed, "%v", err)
	}
	return nil
}
