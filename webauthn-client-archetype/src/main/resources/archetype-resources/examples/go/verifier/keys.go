package verifier

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
)

// Key is a public key and the algorithm it is published for.
type Key struct {
	Public any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	Alg    string // the JWK's own alg; empty when the JWK names none
}

// fits tells whether the key may verify a token signed with alg: the key type must suit alg, and a key that names
// its algorithm is used for that one only.
func (k Key) fits(alg string) bool {
	if k.Alg != "" && k.Alg != alg {
		return false
	}
	switch pub := k.Public.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return alg == curveAlg(pub.Curve)
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

func (k Key) describe() string {
	if k.Alg != "" {
		return k.Alg
	}
	return fmt.Sprintf("a %T", k.Public)
}

func curveAlg(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "ES256"
	case elliptic.P384():
		return "ES384"
	case elliptic.P521():
		return "ES512"
	}
	return ""
}

// KeySource finds the key for a token's kid; its errors are *Refusal.
type KeySource interface {
	Key(kid string) (Key, error)
}

// SingleKey is the only key there is (a PEM file, or the exchange service's own key): the kid is not needed.
type SingleKey Key

func (k SingleKey) Key(string) (Key, error) { return Key(k), nil }

// KeySet is a JWKS read once, from a file.
type KeySet map[string]Key

func (s KeySet) Key(kid string) (Key, error) {
	if kid == "" {
		return Key{}, refuse(UnknownKid, "the token has no kid")
	}
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return Key{}, refuse(UnknownKid, "no key %s in the JWKS", quote(kid))
}

// ParseJWKS reads a JWKS document. Keys that cannot verify signatures (private-only, symmetric, encryption, no kid,
// unknown types) are skipped, as RFC 7517 section 5 asks; members such as iat, nbf and exp are ignored.
func ParseJWKS(data []byte) (KeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a JWKS: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New(`not a JWKS: no "keys" array`)
	}
	set := KeySet{}
	for _, raw := range doc.Keys {
		// Private: false makes the library drop any private members and refuse symmetric ("oct") keys.
		jwk, err := jwkset.NewJWKFromRawJSON(raw, jwkset.JWKMarshalOptions{Private: false}, jwkset.JWKValidateOptions{})
		if err != nil {
			continue
		}
		m := jwk.Marshal()
		if m.KID == "" || (m.USE != "" && m.USE != jwkset.UseSig) {
			continue
		}
		switch jwk.Key().(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			if _, dup := set[m.KID]; !dup {
				set[m.KID] = Key{Public: jwk.Key(), Alg: string(m.ALG)}
			}
		}
	}
	return set, nil
}

// ParsePublicKeyPEM reads a PEM public key. It names no algorithm: it verifies every algorithm of the allow-list
// that suits its type (an RSA key: RS256 to PS512, P-256: ES256, P-384: ES384, Ed25519: EdDSA), so a project that
// signs with RS384 or PS256 is verified as one that signs with RS256. New refuses an allow-list it suits none of.
func ParsePublicKeyPEM(data []byte) (SingleKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return SingleKey{}, errors.New("no PEM block")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return SingleKey{}, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	if err != nil {
		return SingleKey{}, err
	}
	switch k := pub.(type) {
	case *rsa.PublicKey, ed25519.PublicKey:
		return SingleKey{Public: k}, nil
	case *ecdsa.PublicKey:
		if alg := curveAlg(k.Curve); alg == "ES256" || alg == "ES384" {
			return SingleKey{Public: k}, nil
		}
	}
	return SingleKey{}, fmt.Errorf("unsupported public key type %T", pub)
}

const (
	fetchTimeout  = 5 * time.Second
	maxJWKSBytes  = 1 << 20
	defaultMaxAge = 5 * time.Minute
	maxMaxAge     = time.Hour
)

// RemoteJWKS is the passkey server's JWKS, fetched from its URL and cached as the contract describes.
type RemoteJWKS struct {
	url      string
	client   *http.Client
	cooldown time.Duration
	logger   *log.Logger

	mu          sync.Mutex // one fetch at a time: a burst of tokens costs the server one request
	keys        KeySet     // nil until a fetch succeeded
	etag        string
	nextRefresh time.Time
	lastFetch   time.Time
	lastErr     error
}

// NewRemoteJWKS fetches nothing yet; logger (nil: silent) receives failed refreshes.
func NewRemoteJWKS(url string, cooldown time.Duration, logger *log.Logger) *RemoteJWKS {
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	// No redirect is followed: the JWKS URL is configuration, and a redirect (to another host, or from https to
	// http) would move the trust anchor. The 3xx answer itself comes back and fails the fetch.
	client := &http.Client{Timeout: fetchTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return &RemoteJWKS{url: url, client: client, cooldown: cooldown, logger: logger}
}

func (s *RemoteJWKS) Key(kid string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !time.Now().Before(s.nextRefresh) {
		s.fetch()
	}
	if s.keys == nil {
		return Key{}, refuse(KeysUnavailable, "%s: %v", s.url, s.lastErr)
	}
	if kid == "" {
		return Key{}, refuse(UnknownKid, "the token has no kid")
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	// One refetch for a kid we do not know, at most once per cooldown, so invented kids cannot flood the server.
	if time.Since(s.lastFetch) >= s.cooldown {
		s.fetch()
		if k, ok := s.keys[kid]; ok {
			return k, nil
		}
	}
	return s.keys.Key(kid)
}

// fetch refreshes the copy; on failure it keeps the stale one, logs, and waits a cooldown before the next try.
func (s *RemoteJWKS) fetch() {
	s.lastFetch = time.Now()
	maxAge, err := s.download()
	if err != nil {
		s.lastErr = err
		s.nextRefresh = s.lastFetch.Add(s.cooldown)
		if s.keys != nil {
			s.logger.Printf("JWKS refresh from %s failed, keeping the cached copy: %v", s.url, err)
		} else {
			s.logger.Printf("JWKS fetch from %s failed: %v", s.url, err)
		}
		return
	}
	s.nextRefresh = s.lastFetch.Add(maxAge)
}

func (s *RemoteJWKS) download() (time.Duration, error) {
	req, err := http.NewRequest(http.MethodGet, s.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	if s.keys != nil && s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return 0, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && s.keys != nil:
		return freshness(resp.Header), nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return 0, fmt.Errorf("HTTP %d, a redirect, which is not followed", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	case len(body) > maxJWKSBytes:
		return 0, errors.New("the JWKS is larger than 1 MiB")
	}
	keys, err := ParseJWKS(body)
	if err != nil {
		return 0, err
	}
	s.keys, s.etag = keys, resp.Header.Get("ETag")
	return freshness(resp.Header), nil
}

// freshness is the answer's Cache-Control max-age, at most an hour, and five minutes when it has none.
func freshness(h http.Header) time.Duration {
	for _, directive := range strings.Split(strings.Join(h.Values("Cache-Control"), ","), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		if !strings.EqualFold(name, "max-age") {
			continue
		}
		seconds, err := strconv.ParseUint(strings.Trim(value, `"`), 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) || err == nil && seconds > uint64(maxMaxAge/time.Second):
			return maxMaxAge
		case err != nil:
			return defaultMaxAge
		}
		return time.Duration(seconds) * time.Second
	}
	return defaultMaxAge
}

// OpenKeys picks the key source both programs share: jwks is a JWKS URL (http or https) or a JWKS file, else
// pemFile is a PEM public key. Errors here are configuration mistakes.
func OpenKeys(jwks, pemFile string, cooldown time.Duration, logger *log.Logger) (KeySource, error) {
	switch {
	case strings.HasPrefix(jwks, "https://") || strings.HasPrefix(jwks, "http://"):
		return NewRemoteJWKS(jwks, cooldown, logger), nil
	case jwks != "":
		data, err := os.ReadFile(jwks)
		if err != nil {
			return nil, err
		}
		set, err := ParseJWKS(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", jwks, err)
		}
		return set, nil
	case pemFile != "":
		data, err := os.ReadFile(pemFile)
		if err != nil {
			return nil, err
		}
		key, err := ParsePublicKeyPEM(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pemFile, err)
		}
		return key, nil
	}
	return nil, errors.New("no keys: give a JWKS URL or file, or a PEM public key")
}

// CooldownFromEnv reads WEBAUTHN_JWKS_COOLDOWN: seconds between two refetches for an unknown kid, default 30.
func CooldownFromEnv() (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv("WEBAUTHN_JWKS_COOLDOWN"))
	if v == "" {
		return 30 * time.Second, nil
	}
	seconds, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("WEBAUTHN_JWKS_COOLDOWN must be a whole number of seconds, not %q", v)
	}
	return time.Duration(seconds) * time.Second, nil
}
