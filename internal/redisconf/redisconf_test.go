package redisconf_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/evosync/evosync/internal/redisconf"
	"github.com/evosync/evosync/internal/testenv"
)

// settings is the comparable part of a connection configuration.
type settings struct {
	Addr               string
	Username           string
	Password           string
	DB                 int
	TLS                bool
	ServerName         string
	InsecureSkipVerify bool
	MinVersion         uint16
}

func settingsOf(addr, username, password string, db int, tlsConfig *tls.Config) settings {
	s := settings{Addr: addr, Username: username, Password: password, DB: db}
	if tlsConfig != nil {
		s.TLS = true
		s.ServerName = tlsConfig.ServerName
		s.InsecureSkipVerify = tlsConfig.InsecureSkipVerify
		s.MinVersion = tlsConfig.MinVersion
	}
	return s
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		insecure bool
		want     settings
	}{
		{
			name: "rediss verified",
			url:  "rediss://:pw@redis.example.test:6380",
			want: settings{
				Addr: "redis.example.test:6380", Password: "pw", TLS: true,
				ServerName: "redis.example.test", MinVersion: tls.VersionTLS12,
			},
		},
		{
			name:     "rediss insecure",
			url:      "rediss://:pw@redis.example.test:6380",
			insecure: true,
			want: settings{
				Addr: "redis.example.test:6380", Password: "pw", TLS: true,
				ServerName: "redis.example.test", InsecureSkipVerify: true, MinVersion: tls.VersionTLS12,
			},
		},
		{
			name: "skip_verify in URL without flag",
			url:  "rediss://:pw@redis.example.test:6380?skip_verify=true",
			want: settings{
				Addr: "redis.example.test:6380", Password: "pw", TLS: true,
				ServerName: "redis.example.test", MinVersion: tls.VersionTLS12,
			},
		},
		{
			name:     "skip_verify false in URL with flag",
			url:      "rediss://:pw@redis.example.test:6380?skip_verify=false",
			insecure: true,
			want: settings{
				Addr: "redis.example.test:6380", Password: "pw", TLS: true,
				ServerName: "redis.example.test", InsecureSkipVerify: true, MinVersion: tls.VersionTLS12,
			},
		},
		{
			name: "redis with database",
			url:  "redis://:pw@127.0.0.1:6379/3",
			want: settings{Addr: "127.0.0.1:6379", Password: "pw", DB: 3},
		},
		{
			name:     "redis ignores insecure",
			url:      "redis://127.0.0.1:6379",
			insecure: true,
			want:     settings{Addr: "127.0.0.1:6379"},
		},
		{
			name: "username and default port",
			url:  "redis://evosync:pw@redis.example.test",
			want: settings{Addr: "redis.example.test:6379", Username: "evosync", Password: "pw"},
		},
		{
			name: "escaped password",
			url:  "redis://:p%40ss%3Aword@redis.example.test:6379/0",
			want: settings{Addr: "redis.example.test:6379", Password: "p@ss:word"},
		},
		{
			name: "IPv6 address",
			url:  "rediss://:pw@[::1]:6380/2",
			want: settings{
				Addr: "[::1]:6380", Password: "pw", DB: 2, TLS: true,
				ServerName: "::1", MinVersion: tls.VersionTLS12,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := redisconf.Parse(tt.url, tt.insecure)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}

			got := settingsOf(o.Addr, o.Username, o.Password, o.DB, o.TLSConfig)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q, %v) (-want +got):\n%s", tt.url, tt.insecure, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const password = "s3cret-pw"
	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "http scheme", url: "http://:" + password + "@redis.example.test", want: "redis://"},
		{name: "no scheme", url: "redis.example.test:6379", want: "redis://"},
		{name: "unix scheme", url: "unix:///tmp/redis.sock", want: "redis://"},
		{name: "empty", url: "", want: "redis://"},
		{name: "bad database", url: "redis://:" + password + "@redis.example.test/first", want: "database"},
		{name: "two path segments", url: "redis://:" + password + "@redis.example.test/1/2", want: "path"},
		{name: "bad port", url: "rediss://:" + password + "@redis.example.test:port", want: "port"},
		{name: "bad escape", url: "rediss://:" + password + "@redis.example.test/%zz", want: "escape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redisconf.Parse(tt.url, false)

			if err == nil {
				t.Fatalf("Parse(%q) returned no error", tt.url)
			}
			if !strings.Contains(err.Error(), "REDIS_URL") {
				t.Errorf("error %q does not name REDIS_URL", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestClientOptionsMatch(t *testing.T) {
	for _, rawURL := range []string{"rediss://user:pw@redis.example.test:6380/5", "redis://:pw@127.0.0.1:6379/3"} {
		for _, insecure := range []bool{false, true} {
			o, err := redisconf.Parse(rawURL, insecure)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			goRedis := o.GoRedis()
			asynq := o.Asynq()

			want := settingsOf(o.Addr, o.Username, o.Password, o.DB, o.TLSConfig)
			gotGoRedis := settingsOf(goRedis.Addr, goRedis.Username, goRedis.Password, goRedis.DB, goRedis.TLSConfig)
			gotAsynq := settingsOf(asynq.Addr, asynq.Username, asynq.Password, asynq.DB, asynq.TLSConfig)
			if diff := cmp.Diff(want, gotGoRedis); diff != "" {
				t.Errorf("%s insecure=%v: GoRedis (-want +got):\n%s", rawURL, insecure, diff)
			}
			if diff := cmp.Diff(want, gotAsynq); diff != "" {
				t.Errorf("%s insecure=%v: Asynq (-want +got):\n%s", rawURL, insecure, diff)
			}
		}
	}
}

func TestClientOptionsCopyTLS(t *testing.T) {
	o, err := redisconf.Parse("rediss://:pw@redis.example.test:6380", false)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	goRedis := o.GoRedis().TLSConfig
	asynq := o.Asynq().TLSConfig

	if goRedis == o.TLSConfig {
		t.Error("GoRedis shares the parsed TLS config")
	}
	if asynq == o.TLSConfig {
		t.Error("Asynq shares the parsed TLS config")
	}
	if goRedis == asynq {
		t.Error("GoRedis and Asynq share one TLS config")
	}
	goRedis.InsecureSkipVerify = true
	if o.TLSConfig.InsecureSkipVerify || asynq.InsecureSkipVerify {
		t.Error("changing the go-redis TLS config changed the others")
	}
}

func TestPing(t *testing.T) {
	ctx := context.Background()
	rawURL, _ := testenv.RedisURL(t)
	o, err := redisconf.Parse(rawURL, false)
	if err != nil {
		t.Fatalf("Parse(%q): %v", rawURL, err)
	}
	client := redis.NewClient(o.GoRedis())
	t.Cleanup(func() { client.Close() })
	asynqClient, ok := o.Asynq().MakeRedisClient().(redis.UniversalClient)
	if !ok {
		t.Fatal("Asynq().MakeRedisClient() is not a go-redis client")
	}
	t.Cleanup(func() { asynqClient.Close() })

	if err := redisconf.Ping(ctx, client); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	// A key written through one client is visible through the other only
	// when both use the same server and database.
	if err := client.Set(ctx, "redisconf-test", "shared", time.Minute).Err(); err != nil {
		t.Fatalf("SET through go-redis: %v", err)
	}
	got, err := asynqClient.Get(ctx, "redisconf-test").Result()
	if err != nil {
		t.Fatalf("GET through the asynq client: %v", err)
	}
	if got != "shared" {
		t.Errorf("GET through the asynq client = %q, want %q", got, "shared")
	}
}

func TestPingSelfSigned(t *testing.T) {
	mr := startTLSRedis(t)
	rawURL := "rediss://:pw@" + mr.Addr()

	tests := []struct {
		name     string
		insecure bool
	}{
		{name: "verified", insecure: false},
		{name: "insecure", insecure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := redisconf.Parse(rawURL, tt.insecure)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			client := redis.NewClient(o.GoRedis())
			defer client.Close()

			err = redisconf.Ping(context.Background(), client)

			if tt.insecure {
				if err != nil {
					t.Fatalf("Ping with REDIS_TLS_INSECURE: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Ping trusted a self-signed certificate")
			}
			if !strings.Contains(err.Error(), "REDIS_TLS_INSECURE=true") {
				t.Errorf("error %q does not mention REDIS_TLS_INSECURE=true", err)
			}
			if !strings.Contains(err.Error(), mr.Addr()) {
				t.Errorf("error %q does not name the address %s", err, mr.Addr())
			}
			var verify *tls.CertificateVerificationError
			if !errors.As(err, &verify) {
				t.Errorf("error %q does not wrap the certificate verification error", err)
			}
		})
	}
}

func TestPingSelfSignedAsynq(t *testing.T) {
	mr := startTLSRedis(t)
	o, err := redisconf.Parse("rediss://:pw@"+mr.Addr(), true)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	client, ok := o.Asynq().MakeRedisClient().(redis.UniversalClient)
	if !ok {
		t.Fatal("Asynq().MakeRedisClient() is not a go-redis client")
	}
	defer client.Close()

	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Errorf("PING through the asynq client with REDIS_TLS_INSECURE: %v", err)
	}
}

func TestPingTLSToPlainServer(t *testing.T) {
	mr := miniredis.RunT(t)
	o, err := redisconf.Parse("rediss://"+mr.Addr(), false)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	client := redis.NewClient(o.GoRedis())
	defer client.Close()

	err = redisconf.Ping(context.Background(), client)

	if err == nil {
		t.Fatal("Ping over TLS to a plain server succeeded")
	}
	if strings.Contains(err.Error(), "REDIS_TLS_INSECURE") {
		t.Errorf("error %q suggests REDIS_TLS_INSECURE for a server without TLS", err)
	}
	if !strings.Contains(err.Error(), mr.Addr()) {
		t.Errorf("error %q does not name the address %s", err, mr.Addr())
	}
}

func TestPingWrongPassword(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireAuth("right")
	o, err := redisconf.Parse("redis://:wrong@"+mr.Addr(), false)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	client := redis.NewClient(o.GoRedis())
	defer client.Close()

	err = redisconf.Ping(context.Background(), client)

	if err == nil {
		t.Fatal("Ping with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "REDIS_TLS_INSECURE") {
		t.Errorf("error %q suggests REDIS_TLS_INSECURE for a wrong password", err)
	}
}

// startTLSRedis starts an in-process Redis on 127.0.0.1 that requires the
// password "pw" and serves TLS with a new self-signed certificate.
func startTLSRedis(t *testing.T) *miniredis.Miniredis {
	t.Helper()
	mr := miniredis.NewMiniRedis()
	mr.RequireAuth("pw")
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSignedCertificate(t)}}
	if err := mr.StartAddrTLS("127.0.0.1:0", cfg); err != nil {
		t.Fatalf("start TLS Redis: %v", err)
	}
	t.Cleanup(mr.Close)
	return mr
}

// selfSignedCertificate returns a certificate for 127.0.0.1 and localhost
// signed by its own key, so only the missing trust makes it fail.
func selfSignedCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
