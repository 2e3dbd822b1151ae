// Package redisconf turns REDIS_URL into settings shared by the session
// store (go-redis) and asynq, so both use the same address, password,
// database and TLS settings.
package redisconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Options is a parsed REDIS_URL.
type Options struct {
	Addr      string
	Username  string
	Password  string
	DB        int
	TLSConfig *tls.Config // nil for redis://
}

// Parse reads a redis:// or rediss:// URL. TLS certificate checks are
// skipped only when insecure is true.
func Parse(rawURL string, insecure bool) (Options, error) {
	if !strings.HasPrefix(rawURL, "redis://") && !strings.HasPrefix(rawURL, "rediss://") {
		return Options{}, errors.New("REDIS_URL must start with redis:// or rediss://")
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		// A *url.Error quotes the whole URL, password included, so only
		// the reason is kept.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return Options{}, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	opts := Options{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}
	if opts.TLSConfig != nil {
		// go-redis v9 ParseURL also reads "?skip_verify=true" from the URL,
		// so the flag overrides it and only REDIS_TLS_INSECURE skips checks.
		opts.TLSConfig.InsecureSkipVerify = insecure
	}
	return opts, nil
}

// GoRedis returns go-redis options.
func (o Options) GoRedis() *redis.Options {
	return &redis.Options{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.cloneTLS()}
}

// Asynq returns asynq's connection options.
func (o Options) Asynq() asynq.RedisClientOpt {
	return asynq.RedisClientOpt{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.cloneTLS()}
}

func (o Options) cloneTLS() *tls.Config {
	if o.TLSConfig == nil {
		return nil
	}
	return o.TLSConfig.Clone()
}

// Ping connects once and explains a TLS verification failure, so a
// self-signed certificate stops the process at start-up with a fix.
func Ping(ctx context.Context, client *redis.Client) error {
	err := client.Ping(ctx).Err()
	if err == nil {
		return nil
	}
	var unknownAuthority x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownAuthority) || errors.As(err, &invalid) ||
		errors.As(err, &hostname) || errors.As(err, &verify) {
		return fmt.Errorf("connect to Redis at %s: its TLS certificate is not trusted "+
			"(set REDIS_TLS_INSECURE=true only for a provider with self-signed certificates): %w",
			client.Options().Addr, err)
	}
	return fmt.Errorf("connect to Redis at %s: %w", client.Options().Addr, err)
}
