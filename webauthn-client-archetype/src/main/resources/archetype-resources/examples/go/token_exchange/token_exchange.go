// Command token_exchange is the shape of your own API: it accepts the passkey server's token once, at sign-in,
// and from then on only its own ES256 tokens. Configuration is by environment variables (see README.md).
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	_ "modernc.org/sqlite"

	"webauthn-examples/verifier"
)

const (
	keyFileName   = "exchange-signing-key.pem"
	dbFileName    = "users.db"
	maxBodyBytes  = 64 << 10
	permission    = "profile:read"
	ownAlgorithm  = "ES256"
	ownKeyMaxAge  = "public, max-age=300"
	shutdownGrace = 5 * time.Second
)

func main() {
	logger := log.New(os.Stderr, "token_exchange: ", log.LstdFlags)
	s, addr, err := setup(logger)
	if err == nil {
		err = s.serve(addr)
	}
	if err != nil {
		logger.Print(err)
		os.Exit(2)
	}
}

// serve returns an error only when the socket cannot be bound; a server that stops running exits 1.
func (s *service) serve(addr string) error {
	defer s.db.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second, // an exchange may wait for two 5 s JWKS fetches
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          s.logger,
	}
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// Printed only now that the socket is bound, with the real port when EXCHANGE_PORT is 0; stdout is unbuffered.
	fmt.Printf("listening on http://%s\n", net.JoinHostPort(host, port))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		s.logger.Print(err)
		s.db.Close()
		os.Exit(1)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		s.logger.Printf("shutdown: %v", err)
	}
	return nil
}

type service struct {
	logger   *log.Logger
	upstream *verifier.Verifier // the passkey server's tokens
	own      *verifier.Verifier // this service's tokens
	key      *ecdsa.PrivateKey
	kid      string
	jwks     []byte
	issuer   string
	audience string
	ttl      time.Duration
	leeway   time.Duration
	db       *sql.DB
}

// setup reads the configuration, the signing key and the database; any error refuses the start.
func setup(logger *log.Logger) (*service, string, error) {
	webauthnIssuer := os.Getenv("WEBAUTHN_ISSUER")
	webauthnAudience := os.Getenv("WEBAUTHN_AUDIENCE")
	issuer := envOr("EXCHANGE_ISSUER", "example-api")
	audience := envOr("EXCHANGE_AUDIENCE", "example-app")
	// Separate names keep the two kinds of token apart: neither verifier could ever accept the other's.
	if issuer == webauthnIssuer {
		return nil, "", fmt.Errorf("EXCHANGE_ISSUER must differ from WEBAUTHN_ISSUER (%q)", issuer)
	}
	if audience == webauthnAudience {
		return nil, "", fmt.Errorf("EXCHANGE_AUDIENCE must differ from WEBAUTHN_AUDIENCE (%q)", audience)
	}
	port, err := envInt("EXCHANGE_PORT", 9000, 0, 65535)
	if err != nil {
		return nil, "", err
	}
	ttlSeconds, err := envInt("EXCHANGE_TOKEN_TTL", 3600, 1, 366*24*3600)
	if err != nil {
		return nil, "", err
	}
	algs, err := verifier.ParseAlgorithms(os.Getenv("WEBAUTHN_ALGORITHMS"))
	if err != nil {
		return nil, "", fmt.Errorf("WEBAUTHN_ALGORITHMS: %w", err)
	}
	cooldown, err := verifier.CooldownFromEnv()
	if err != nil {
		return nil, "", err
	}
	jwks := os.Getenv("WEBAUTHN_JWKS_URL")
	if jwks == "" {
		jwks = os.Getenv("WEBAUTHN_JWKS_FILE")
	}
	keys, err := verifier.OpenKeys(jwks, os.Getenv("WEBAUTHN_PUBLIC_KEY_FILE"), cooldown, logger)
	if err != nil {
		return nil, "", err
	}
	leeway := 30 * time.Second
	upstream, err := verifier.New(verifier.Config{
		Keys: keys, Issuer: webauthnIssuer, Audience: webauthnAudience, Algorithms: algs, Leeway: leeway,
	})
	if err != nil {
		return nil, "", fmt.Errorf("passkey token settings: %w", err)
	}

	dataDir := envOr("EXCHANGE_DATA_DIR", "./data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, "", err
	}
	key, err := loadOrCreateKey(filepath.Join(dataDir, keyFileName), logger)
	if err != nil {
		return nil, "", err
	}
	own, err := verifier.New(verifier.Config{
		Keys:   verifier.SingleKey{Public: &key.PublicKey, Alg: ownAlgorithm},
		Issuer: issuer, Audience: audience, Algorithms: []string{ownAlgorithm}, Leeway: leeway,
	})
	if err != nil {
		return nil, "", err
	}
	db, err := openDB(filepath.Join(dataDir, dbFileName))
	if err != nil {
		return nil, "", err
	}
	kid, jwksDoc := publicJWKS(key)
	s := &service{
		logger: logger, upstream: upstream, own: own, key: key, kid: kid, jwks: jwksDoc,
		issuer: issuer, audience: audience, ttl: time.Duration(ttlSeconds) * time.Second, leeway: leeway, db: db,
	}
	return s, net.JoinHostPort(envOr("EXCHANGE_BIND", "127.0.0.1"), strconv.Itoa(port)), nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def, lo, hi int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d, not %q", name, lo, hi, v)
	}
	return n, nil
}

// loadOrCreateKey reads the service's ES256 key, or creates it on first start. The new key is written to a temporary
// file and linked into place, so two instances starting on one data directory end up with the same key.
func loadOrCreateKey(path string, logger *log.Logger) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, err
		}
		logger.Printf("created the signing key %s", path)
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		logger.Printf("warning: %s is readable by others (mode %v); it should be 0600", path, info.Mode().Perm())
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PKCS#8 PEM private key", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: not a P-256 key, which ES256 needs", path)
	}
	return key, nil
}

func createKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), keyFileName+".*") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// publicJWKS is the key's RFC 7638 thumbprint, used as its kid, and the JWKS document that publishes it.
func publicJWKS(key *ecdsa.PrivateKey) (string, []byte) {
	point, _ := key.PublicKey.Bytes() // 0x04 || X || Y, 32 bytes each on P-256
	x := base64.RawURLEncoding.EncodeToString(point[1:33])
	y := base64.RawURLEncoding.EncodeToString(point[33:])
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	doc, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": ownAlgorithm, "use": "sig"},
	}})
	return kid, doc
}

// openDB opens users.db. WAL and a busy timeout let several instances share the file; immediate transactions take
// the write lock up front, so two exchanges never deadlock on upgrading a read lock.
func openDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	_, err = db.Exec(`
		CREATE TABLE IF NOT EXISTS users (
			id           TEXT PRIMARY KEY,
			webauthn_sub TEXT NOT NULL UNIQUE,
			display_name TEXT,
			created_at   TEXT NOT NULL
		);
		CREATE TABLE IF NOT EXISTS accepted_tokens (
			jti        TEXT PRIMARY KEY,
			expires_at INTEGER NOT NULL
		);
		CREATE INDEX IF NOT EXISTS accepted_tokens_expiry ON accepted_tokens (expires_at);`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

type user struct {
	ID          string  `json:"id"`
	WebauthnSub string  `json:"webauthn_sub"`
	DisplayName *string `json:"display_name"`
	CreatedAt   string  `json:"created_at"`
}

var errReplayed = errors.New("replayed")

// acceptOnce records the jti (until the token could no longer be accepted anyway) and finds or creates the user,
// in one transaction: a token is used up only when its user exists.
func (s *service) acceptOnce(jti string, usableUntil time.Time, sub string, displayName *string) (user, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return user{}, err
	}
	defer tx.Rollback()
	now := time.Now()
	if _, err := tx.Exec(`DELETE FROM accepted_tokens WHERE expires_at < ?`, now.Unix()); err != nil {
		return user{}, err
	}
	res, err := tx.Exec(`INSERT INTO accepted_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`,
		jti, usableUntil.Unix())
	if err != nil {
		return user{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return user{}, errReplayed
	}
	_, err = tx.Exec(`INSERT INTO users (id, webauthn_sub, display_name, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (webauthn_sub) DO NOTHING`,
		uuid.NewString(), sub, displayName, now.UTC().Format(time.RFC3339))
	if err != nil {
		return user{}, err
	}
	u, err := scanUser(tx.QueryRow(`SELECT id, webauthn_sub, display_name, created_at FROM users WHERE webauthn_sub = ?`, sub))
	if err != nil {
		return user{}, err
	}
	return u, tx.Commit()
}

func scanUser(row *sql.Row) (user, error) {
	var u user
	err := row.Scan(&u.ID, &u.WebauthnSub, &u.DisplayName, &u.CreatedAt)
	return u, err
}

func (s *service) routes() http.Handler {
	type route struct {
		method  string
		handler http.HandlerFunc
	}
	table := map[string]route{
		"/auth/webauthn/exchange": {http.MethodPost, s.exchange},
		"/api/profile":            {http.MethodGet, s.profile},
		"/.well-known/jwks.json":  {http.MethodGet, s.publishKey},
		"/health":                 {http.MethodGet, s.health},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		defer func() {
			if p := recover(); p != nil {
				s.logger.Printf("panic serving %s %s: %v", r.Method, r.URL.Path, p)
				writeError(rec, http.StatusInternalServerError, "server_error", "internal error")
			}
			// Method, path and status only: never headers or bodies, which carry tokens.
			s.logger.Printf("%s %s %d %s", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Millisecond))
		}()
		rt, ok := table[r.URL.Path]
		switch {
		case !ok:
			writeError(rec, http.StatusNotFound, "not_found", "no such endpoint")
		case r.Method != rt.method:
			h.Set("Allow", rt.method)
			writeError(rec, http.StatusMethodNotAllowed, "method_not_allowed", "use "+rt.method)
		default:
			rt.handler(rec, r)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *service) exchange(w http.ResponseWriter, r *http.Request) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "the body is over 64 KiB")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body could not be read")
		return
	}
	var req struct {
		WebauthnToken *string `json:"webauthn_token"`
	}
	if json.Unmarshal(body, &req) != nil || req.WebauthnToken == nil || *req.WebauthnToken == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", `send a JSON object {"webauthn_token": "<JWT>"}`)
		return
	}

	claims, err := s.upstream.Verify(*req.WebauthnToken)
	if err != nil {
		s.refuseToken(w, "exchange", err)
		return
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		s.refuseToken(w, "exchange", &verifier.Refusal{Reason: verifier.MissingClaim, Detail: "jti is required for the exchange"})
		return
	}
	exp, _ := claims.GetExpirationTime()
	sub, _ := claims.GetSubject()
	var displayName *string
	if name, ok := claims["preferred_username"].(string); ok {
		displayName = &name
	}
	// The record must outlive the last moment the verifier would still accept the token.
	u, err := s.acceptOnce(jti, exp.Add(s.leeway), sub, displayName)
	if errors.Is(err, errReplayed) {
		s.refuseToken(w, "exchange", &verifier.Refusal{Reason: verifier.Replayed, Detail: "this token was already exchanged"})
		return
	}
	if err != nil {
		s.logger.Printf("exchange: database: %v", err)
		writeError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}

	now := time.Now()
	token := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss":         s.issuer,
		"aud":         s.audience,
		"sub":         u.ID,
		"iat":         now.Unix(),
		"exp":         now.Add(s.ttl).Unix(),
		"jti":         uuid.NewString(),
		"permissions": []string{permission},
	})
	token.Header["kid"] = s.kid
	signed, err := token.SignedString(s.key)
	if err != nil {
		s.logger.Printf("exchange: signing: %v", err)
		writeError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": signed,
		"token_type":   "Bearer",
		"expires_in":   int(s.ttl / time.Second),
	})
}

func (s *service) profile(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		s.refuseToken(w, "profile", &verifier.Refusal{Reason: verifier.Malformed, Detail: "send Authorization: Bearer <token>"})
		return
	}
	claims, err := s.own.Verify(token)
	if err != nil {
		s.refuseToken(w, "profile", err)
		return
	}
	perms, _ := claims["permissions"].([]any)
	if !slices.Contains(perms, any(permission)) {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+permission+`"`)
		writeError(w, http.StatusForbidden, "insufficient_scope", "the token lacks the "+permission+" permission")
		return
	}
	sub, _ := claims.GetSubject()
	u, err := scanUser(s.db.QueryRow(`SELECT id, webauthn_sub, display_name, created_at FROM users WHERE id = ?`, sub))
	if errors.Is(err, sql.ErrNoRows) {
		s.refuseToken(w, "profile", &verifier.Refusal{Reason: "unknown_user", Detail: "no such user"})
		return
	}
	if err != nil {
		s.logger.Printf("profile: database: %v", err)
		writeError(w, http.StatusInternalServerError, "server_error", "internal error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": u.ID, "webauthn_sub": u.WebauthnSub, "display_name": u.DisplayName, "created_at": u.CreatedAt,
		"permissions": perms,
	})
}

func (s *service) publishKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", ownKeyMaxAge)
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.jwks)
}

func (s *service) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
}

// refuseToken answers 401 invalid_token and logs the reason, never the token.
func (s *service) refuseToken(w http.ResponseWriter, endpoint string, err error) {
	var r *verifier.Refusal
	if !errors.As(err, &r) {
		r = &verifier.Refusal{Reason: verifier.Malformed, Detail: err.Error()}
	}
	s.logger.Printf("%s: refused: %s", endpoint, r)
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+r.Reason+`"`)
	writeError(w, http.StatusUnauthorized, "invalid_token", r.Error())
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"error": code, "message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
