// Package config reads EvoSync's settings from the environment.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/caarlos0/env/v10"
)

// Config is every setting of the web and worker processes. Each field names
// its environment variable and default.
type Config struct {
	// Port the web process listens on. Default 8080.
	Port int `env:"PORT" envDefault:"8080"`
	// BaseURL is the public address of the web process, without a trailing
	// slash. OAuth redirect URIs are built from it, never from a request.
	BaseURL string `env:"BASE_URL,required,notEmpty"`
	// DatabaseURL is postgres://… or sqlite://PATH.
	DatabaseURL string `env:"DATABASE_URL,required,notEmpty"`
	// RedisURL is redis://… or rediss://… (TLS).
	RedisURL string `env:"REDIS_URL,required,notEmpty"`
	// RedisTLSInsecure skips verification of the Redis server's TLS
	// certificate (self-signed certificates of hosted Redis). Default false.
	RedisTLSInsecure bool `env:"REDIS_TLS_INSECURE" envDefault:"false"`
	// SessionSecret signs the session cookie; at least 32 characters.
	SessionSecret string `env:"SESSION_SECRET,required,notEmpty"`
	// TokenEncryptionKey is base64 of 32 bytes, the AES-256 key that seals
	// provider tokens at rest.
	TokenEncryptionKey string `env:"TOKEN_ENCRYPTION_KEY,required,notEmpty"`

	VKClientID     string `env:"VK_CLIENT_ID,required,notEmpty"`
	VKClientSecret string `env:"VK_CLIENT_SECRET,required,notEmpty"`
	// VKScopes is space- or comma-separated. Default "market groups offline".
	VKScopes string `env:"VK_SCOPES" envDefault:"market groups offline"`
	// VKAPIVersion is sent as `v` on every VK call. Default "5.131".
	VKAPIVersion string `env:"VK_API_VERSION" envDefault:"5.131"`
	// VKOAuthBaseURL contains /authorize and /access_token.
	VKOAuthBaseURL string `env:"VK_OAUTH_BASE_URL" envDefault:"https://oauth.vk.com"`
	// VKAPIBaseURL contains /<method name>.
	VKAPIBaseURL string `env:"VK_API_BASE_URL" envDefault:"https://api.vk.com/method"`

	EvotorClientID     string `env:"EVOTOR_CLIENT_ID,required,notEmpty"`
	EvotorClientSecret string `env:"EVOTOR_CLIENT_SECRET,required,notEmpty"`
	// EvotorScopes is space-separated.
	EvotorScopes string `env:"EVOTOR_SCOPES" envDefault:"store:read product:read product-group:read product-image:read"`
	// EvotorOAuthBaseURL contains /oauth/authorize and /oauth/token.
	EvotorOAuthBaseURL string `env:"EVOTOR_OAUTH_BASE_URL" envDefault:"https://oauth.evotor.ru"`
	// EvotorAPIBaseURL contains /stores.
	EvotorAPIBaseURL string `env:"EVOTOR_API_BASE_URL" envDefault:"https://api.evotor.ru"`

	// HealthCheckInterval is how often the worker checks every connection.
	// Default 10m.
	HealthCheckInterval time.Duration `env:"HEALTH_CHECK_INTERVAL" envDefault:"10m"`
	// HealthCheckConcurrency is how many connections one worker checks at
	// once during a sweep. Default 32.
	HealthCheckConcurrency int `env:"HEALTH_CHECK_CONCURRENCY" envDefault:"32"`
	// ProviderTimeout bounds one HTTP call to VK or Evotor. Default 20s.
	ProviderTimeout time.Duration `env:"PROVIDER_TIMEOUT" envDefault:"20s"`
	// WorkerConcurrency is the number of asynq tasks one worker runs at
	// once. Default 10.
	WorkerConcurrency int `env:"WORKER_CONCURRENCY" envDefault:"10"`
	// SyncInterval is how often scheduled catalog syncs run for users who
	// turned the schedule on. Default 1h.
	SyncInterval time.Duration `env:"SYNC_INTERVAL" envDefault:"1h"`
	// AdminEmails may open /admin/queues; comma-separated.
	AdminEmails []string `env:"ADMIN_EMAILS" envSeparator:","`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
}

// Load reads the environment. The error names every missing variable at
// once, then every invalid one.
func Load() (*Config, error) {
	return parse(env.Options{})
}

// LoadFrom reads settings from the given map instead of the environment.
func LoadFrom(vars map[string]string) (*Config, error) {
	if vars == nil {
		// env reads the process environment when Environment is nil.
		vars = map[string]string{}
	}
	return parse(env.Options{Environment: vars})
}

func parse(opts env.Options) (*Config, error) {
	var cfg Config
	if err := env.ParseWithOptions(&cfg, opts); err != nil {
		return nil, describe(err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// describe turns env's aggregate error into one sentence per kind.
func describe(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("read environment: %w", err)
	}
	var missing, empty, other []string
	for _, e := range agg.Errors {
		var notSet env.EnvVarIsNotSetError
		if errors.As(e, &notSet) {
			missing = append(missing, notSet.Key)
			continue
		}
		var emptyVar env.EmptyEnvVarError
		if errors.As(e, &emptyVar) {
			empty = append(empty, emptyVar.Key)
			continue
		}
		other = append(other, e.Error())
	}
	sort.Strings(missing)
	sort.Strings(empty)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing required environment variables: "+strings.Join(missing, ", "))
	}
	if len(empty) > 0 {
		parts = append(parts, "required environment variables are empty: "+strings.Join(empty, ", "))
	}
	parts = append(parts, other...)
	return errors.New(strings.Join(parts, "; "))
}

func (c *Config) validate() error {
	var problems []string
	if _, err := c.EncryptionKey(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(c.SessionSecret) < 32 {
		problems = append(problems, "SESSION_SECRET must be at least 32 characters")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("BASE_URL must be an absolute http(s) URL, got %q", c.BaseURL))
	} else if strings.ContainsAny(c.BaseURL, "?#") {
		// Redirect URIs are BASE_URL plus a path, which a query or a
		// fragment would swallow.
		problems = append(problems, fmt.Sprintf("BASE_URL must not have a query or fragment, got %q", c.BaseURL))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel))
	}
	if c.SyncInterval < time.Minute {
		problems = append(problems, "SYNC_INTERVAL must be at least 1m")
	}
	if c.HealthCheckInterval < time.Minute {
		problems = append(problems, "HEALTH_CHECK_INTERVAL must be at least 1m")
	}
	if c.HealthCheckConcurrency < 1 || c.WorkerConcurrency < 1 {
		problems = append(problems, "HEALTH_CHECK_CONCURRENCY and WORKER_CONCURRENCY must be positive")
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration: " + strings.Join(problems, "; "))
	}
	return nil
}

// EncryptionKey decodes TOKEN_ENCRYPTION_KEY.
func (c *Config) EncryptionKey() ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(c.TokenEncryptionKey)
	if err != nil || len(key) != 32 {
		return nil, errors.New("TOKEN_ENCRYPTION_KEY must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)")
	}
	return key, nil
}

// SecureCookies reports whether cookies get the Secure flag: when the
// public address is https.
func (c *Config) SecureCookies() bool {
	// url.Parse lower-cases the scheme, so "HTTPS://…" counts as https.
	u, err := url.Parse(c.BaseURL)
	return err == nil && u.Scheme == "https"
}

// VKRedirectURI is the redirect_uri sent to VK in both OAuth steps.
func (c *Config) VKRedirectURI() string {
	return c.BaseURL + "/vk/callback"
}

// EvotorRedirectURI is the redirect_uri sent to Evotor in both OAuth steps.
func (c *Config) EvotorRedirectURI() string {
	return c.BaseURL + "/evotor/callback"
}

// IsAdmin reports whether the email may open the queue dashboard.
func (c *Config) IsAdmin(email string) bool {
	for _, a := range c.AdminEmails {
		if strings.EqualFold(strings.TrimSpace(a), email) && email != "" {
			return true
		}
	}
	return false
}
