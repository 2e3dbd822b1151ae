package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evosync/evosync/internal/config"
)

// validKey is base64 of 32 bytes.
const validKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// requiredVars are the variables without a default.
var requiredVars = []string{
	"BASE_URL",
	"DATABASE_URL",
	"EVOTOR_CLIENT_ID",
	"EVOTOR_CLIENT_SECRET",
	"REDIS_URL",
	"SESSION_SECRET",
	"TOKEN_ENCRYPTION_KEY",
	"VK_CLIENT_ID",
	"VK_CLIENT_SECRET",
}

// validVars returns a complete, valid configuration with the given
// variables changed. An empty value in changes removes the variable.
func validVars(changes map[string]string) map[string]string {
	vars := map[string]string{
		"BASE_URL":             "https://shop.example.test",
		"DATABASE_URL":         "postgres://app:pw@db.example.test/evosync",
		"REDIS_URL":            "rediss://:pw@redis.example.test:6380",
		"SESSION_SECRET":       "session-secret-0123456789abcdefghij",
		"TOKEN_ENCRYPTION_KEY": validKey,
		"VK_CLIENT_ID":         "51234567",
		"VK_CLIENT_SECRET":     "vk-secret",
		"EVOTOR_CLIENT_ID":     "evotor-client",
		"EVOTOR_CLIENT_SECRET": "evotor-secret",
	}
	for k, v := range changes {
		if v == "" {
			delete(vars, k)
			continue
		}
		vars[k] = v
	}
	return vars
}

func load(t *testing.T, changes map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(validVars(changes))
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	return cfg
}

func TestLoadFromMissingAll(t *testing.T) {
	_, err := config.LoadFrom(map[string]string{})

	if err == nil {
		t.Fatal("LoadFrom returned no error for an empty environment")
	}
	want := "missing required environment variables: " + strings.Join(requiredVars, ", ")
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestLoadFromMissingSome(t *testing.T) {
	_, err := config.LoadFrom(validVars(map[string]string{"VK_CLIENT_SECRET": "", "BASE_URL": "", "REDIS_URL": ""}))

	if err == nil {
		t.Fatal("LoadFrom returned no error")
	}
	want := "missing required environment variables: BASE_URL, REDIS_URL, VK_CLIENT_SECRET"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestLoadFromEmptyRequired(t *testing.T) {
	vars := validVars(nil)
	vars["VK_CLIENT_ID"] = ""
	vars["EVOTOR_CLIENT_SECRET"] = ""

	_, err := config.LoadFrom(vars)

	if err == nil {
		t.Fatal("LoadFrom returned no error for empty required variables")
	}
	want := "required environment variables are empty: EVOTOR_CLIENT_SECRET, VK_CLIENT_ID"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestLoadFromMissingAndInvalid(t *testing.T) {
	_, err := config.LoadFrom(validVars(map[string]string{"DATABASE_URL": "", "PORT": "eighty"}))

	if err == nil {
		t.Fatal("LoadFrom returned no error")
	}
	if !strings.HasPrefix(err.Error(), "missing required environment variables: DATABASE_URL; ") {
		t.Errorf("error %q does not start with the missing variable", err)
	}
	if !strings.Contains(err.Error(), `"eighty"`) {
		t.Errorf("error %q does not show the invalid PORT value", err)
	}
}

func TestLoadFromDefaults(t *testing.T) {
	cfg := load(t, nil)

	tests := []struct {
		name string
		got  any
		want any
	}{
		{name: "Port", got: cfg.Port, want: 8080},
		{name: "VKScopes", got: cfg.VKScopes, want: "market groups offline"},
		{name: "VKAPIVersion", got: cfg.VKAPIVersion, want: "5.131"},
		{name: "VKOAuthBaseURL", got: cfg.VKOAuthBaseURL, want: "https://oauth.vk.com"},
		{name: "VKAPIBaseURL", got: cfg.VKAPIBaseURL, want: "https://api.vk.com/method"},
		{name: "EvotorScopes", got: cfg.EvotorScopes, want: "store:read product:read product-group:read product-image:read"},
		{name: "EvotorOAuthBaseURL", got: cfg.EvotorOAuthBaseURL, want: "https://oauth.evotor.ru"},
		{name: "EvotorAPIBaseURL", got: cfg.EvotorAPIBaseURL, want: "https://api.evotor.ru"},
		{name: "HealthCheckInterval", got: cfg.HealthCheckInterval, want: 10 * time.Minute},
		{name: "HealthCheckConcurrency", got: cfg.HealthCheckConcurrency, want: 32},
		{name: "ProviderTimeout", got: cfg.ProviderTimeout, want: 20 * time.Second},
		{name: "WorkerConcurrency", got: cfg.WorkerConcurrency, want: 10},
		{name: "RedisTLSInsecure", got: cfg.RedisTLSInsecure, want: false},
		{name: "LogLevel", got: cfg.LogLevel, want: "info"},
		{name: "AdminEmails", got: cfg.AdminEmails, want: []string(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestLoadFromOverrides(t *testing.T) {
	cfg := load(t, map[string]string{
		"PORT":                  "28513",
		"REDIS_TLS_INSECURE":    "true",
		"VK_API_VERSION":        "5.199",
		"HEALTH_CHECK_INTERVAL": "1h30m",
		"WORKER_CONCURRENCY":    "3",
	})

	if cfg.Port != 28513 {
		t.Errorf("Port = %d, want 28513", cfg.Port)
	}
	if !cfg.RedisTLSInsecure {
		t.Error("RedisTLSInsecure = false, want true")
	}
	if cfg.VKAPIVersion != "5.199" {
		t.Errorf("VKAPIVersion = %q, want 5.199", cfg.VKAPIVersion)
	}
	if cfg.HealthCheckInterval != 90*time.Minute {
		t.Errorf("HealthCheckInterval = %v, want 1h30m", cfg.HealthCheckInterval)
	}
	if cfg.WorkerConcurrency != 3 {
		t.Errorf("WorkerConcurrency = %d, want 3", cfg.WorkerConcurrency)
	}
}

func TestLoadFromInvalid(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]string
		want    string
	}{
		{name: "key not base64", changes: map[string]string{"TOKEN_ENCRYPTION_KEY": "not base64!!"}, want: "TOKEN_ENCRYPTION_KEY"},
		{name: "key 16 bytes", changes: map[string]string{"TOKEN_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZg=="}, want: "TOKEN_ENCRYPTION_KEY"},
		{name: "key 33 bytes", changes: map[string]string{"TOKEN_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWZ4"}, want: "TOKEN_ENCRYPTION_KEY"},
		{name: "key URL-safe base64", changes: map[string]string{"TOKEN_ENCRYPTION_KEY": "_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-8="}, want: "TOKEN_ENCRYPTION_KEY"},
		{name: "short session secret", changes: map[string]string{"SESSION_SECRET": strings.Repeat("s", 31)}, want: "SESSION_SECRET must be at least 32 characters"},
		{name: "relative base URL", changes: map[string]string{"BASE_URL": "shop.example.test"}, want: "BASE_URL"},
		{name: "ftp base URL", changes: map[string]string{"BASE_URL": "ftp://shop.example.test"}, want: "BASE_URL"},
		{name: "base URL without host", changes: map[string]string{"BASE_URL": "https://"}, want: "BASE_URL"},
		{name: "base URL with query", changes: map[string]string{"BASE_URL": "https://shop.example.test/?ref=1"}, want: "BASE_URL must not have a query or fragment"},
		{name: "base URL with empty query", changes: map[string]string{"BASE_URL": "https://shop.example.test?"}, want: "BASE_URL must not have a query or fragment"},
		{name: "base URL with fragment", changes: map[string]string{"BASE_URL": "https://shop.example.test/#top"}, want: "BASE_URL must not have a query or fragment"},
		{name: "interval too short", changes: map[string]string{"HEALTH_CHECK_INTERVAL": "30s"}, want: "HEALTH_CHECK_INTERVAL"},
		{name: "zero concurrency", changes: map[string]string{"HEALTH_CHECK_CONCURRENCY": "0"}, want: "HEALTH_CHECK_CONCURRENCY"},
		{name: "negative workers", changes: map[string]string{"WORKER_CONCURRENCY": "-1"}, want: "WORKER_CONCURRENCY"},
		{name: "port not a number", changes: map[string]string{"PORT": "eighty"}, want: `"eighty"`},
		{name: "interval without unit", changes: map[string]string{"HEALTH_CHECK_INTERVAL": "10"}, want: `"10"`},
		{name: "insecure not a bool", changes: map[string]string{"REDIS_TLS_INSECURE": "maybe"}, want: `"maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.LoadFrom(validVars(tt.changes))

			if err == nil {
				t.Fatal("LoadFrom returned no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if cfg != nil {
				t.Error("LoadFrom returned a Config with the error")
			}
		})
	}
}

func TestLoadFromAllInvalid(t *testing.T) {
	_, err := config.LoadFrom(validVars(map[string]string{
		"TOKEN_ENCRYPTION_KEY": "short",
		"SESSION_SECRET":       "short",
		"BASE_URL":             "not-a-url",
	}))

	if err == nil {
		t.Fatal("LoadFrom returned no error")
	}
	for _, name := range []string{"TOKEN_ENCRYPTION_KEY", "SESSION_SECRET", "BASE_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestEncryptionKey(t *testing.T) {
	cfg := load(t, nil)

	key, err := cfg.EncryptionKey()

	if err != nil {
		t.Fatalf("EncryptionKey: %v", err)
	}
	if diff := cmp.Diff([]byte("0123456789abcdef0123456789abcdef"), key); diff != "" {
		t.Errorf("EncryptionKey (-want +got):\n%s", diff)
	}
}

func TestBaseURLRedirectURIs(t *testing.T) {
	tests := []struct {
		baseURL    string
		wantBase   string
		wantVK     string
		wantEvotor string
	}{
		{
			baseURL:    "https://shop.example.test",
			wantBase:   "https://shop.example.test",
			wantVK:     "https://shop.example.test/vk/callback",
			wantEvotor: "https://shop.example.test/evotor/callback",
		},
		{
			baseURL:    "https://shop.example.test/",
			wantBase:   "https://shop.example.test",
			wantVK:     "https://shop.example.test/vk/callback",
			wantEvotor: "https://shop.example.test/evotor/callback",
		},
		{
			baseURL:    "https://shop.example.test//",
			wantBase:   "https://shop.example.test",
			wantVK:     "https://shop.example.test/vk/callback",
			wantEvotor: "https://shop.example.test/evotor/callback",
		},
		{
			baseURL:    "http://127.0.0.1:28513/evosync/",
			wantBase:   "http://127.0.0.1:28513/evosync",
			wantVK:     "http://127.0.0.1:28513/evosync/vk/callback",
			wantEvotor: "http://127.0.0.1:28513/evosync/evotor/callback",
		},
	}
	for _, tt := range tests {
		t.Run(tt.baseURL, func(t *testing.T) {
			cfg := load(t, map[string]string{"BASE_URL": tt.baseURL})

			if cfg.BaseURL != tt.wantBase {
				t.Errorf("BaseURL = %q, want %q", cfg.BaseURL, tt.wantBase)
			}
			if got := cfg.VKRedirectURI(); got != tt.wantVK {
				t.Errorf("VKRedirectURI = %q, want %q", got, tt.wantVK)
			}
			if got := cfg.EvotorRedirectURI(); got != tt.wantEvotor {
				t.Errorf("EvotorRedirectURI = %q, want %q", got, tt.wantEvotor)
			}
		})
	}
}

func TestSecureCookies(t *testing.T) {
	tests := []struct {
		baseURL string
		want    bool
	}{
		{baseURL: "https://shop.example.test", want: true},
		{baseURL: "HTTPS://shop.example.test", want: true},
		{baseURL: "http://shop.example.test", want: false},
		{baseURL: "http://localhost:8080", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.baseURL, func(t *testing.T) {
			cfg := load(t, map[string]string{"BASE_URL": tt.baseURL})

			if got := cfg.SecureCookies(); got != tt.want {
				t.Errorf("SecureCookies = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAdminEmails(t *testing.T) {
	cfg := load(t, map[string]string{"ADMIN_EMAILS": "admin@example.test, Boss@Example.test ,"})

	if diff := cmp.Diff([]string{"admin@example.test", " Boss@Example.test ", ""}, cfg.AdminEmails); diff != "" {
		t.Errorf("AdminEmails (-want +got):\n%s", diff)
	}
}

func TestIsAdmin(t *testing.T) {
	cfg := load(t, map[string]string{"ADMIN_EMAILS": "admin@example.test, Boss@Example.test ,"})

	tests := []struct {
		email string
		want  bool
	}{
		{email: "admin@example.test", want: true},
		{email: "ADMIN@EXAMPLE.TEST", want: true},
		{email: "boss@example.test", want: true},
		{email: "Boss@Example.test", want: true},
		{email: "user@example.test", want: false},
		{email: "admin@example.test.evil", want: false},
		{email: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			if got := cfg.IsAdmin(tt.email); got != tt.want {
				t.Errorf("IsAdmin(%q) = %v, want %v", tt.email, got, tt.want)
			}
		})
	}
}

func TestIsAdminNoAdmins(t *testing.T) {
	cfg := load(t, nil)

	if cfg.IsAdmin("admin@example.test") {
		t.Error("IsAdmin = true without ADMIN_EMAILS")
	}
	if cfg.IsAdmin("") {
		t.Error("IsAdmin(\"\") = true without ADMIN_EMAILS")
	}
}

func TestLoad(t *testing.T) {
	for k, v := range validVars(map[string]string{"PORT": "28513"}) {
		t.Setenv(k, v)
	}

	cfg, err := config.Load()

	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Port != 28513 {
		t.Errorf("Port = %d, want 28513", cfg.Port)
	}
	if cfg.BaseURL != "https://shop.example.test" {
		t.Errorf("BaseURL = %q, want https://shop.example.test", cfg.BaseURL)
	}
}

func TestLoadMissing(t *testing.T) {
	for _, name := range requiredVars {
		// t.Setenv restores the variable after the test, Unsetenv removes it
		// for the test.
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	t.Setenv("VK_CLIENT_ID", "51234567")

	_, err := config.Load()

	if err == nil {
		t.Fatal("Load returned no error")
	}
	want := "missing required environment variables: BASE_URL, DATABASE_URL, EVOTOR_CLIENT_ID, " +
		"EVOTOR_CLIENT_SECRET, REDIS_URL, SESSION_SECRET, TOKEN_ENCRYPTION_KEY, VK_CLIENT_SECRET"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestLoadFromIgnoresEnvironment(t *testing.T) {
	for k, v := range validVars(nil) {
		t.Setenv(k, v)
	}

	_, err := config.LoadFrom(nil)

	if err == nil {
		t.Fatal("LoadFrom(nil) read the process environment")
	}
}
