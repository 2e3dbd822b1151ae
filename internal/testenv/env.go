package testenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/internal/app"
	"github.com/evosync/evosync/internal/config"
	"github.com/evosync/evosync/internal/sandbox"
)

// Clock is a settable clock shared by the product and the sandbox.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Env is the product wired to real components and the sandbox providers.
type Env struct {
	T       testing.TB
	Clock   *Clock
	Sandbox *sandbox.Sandbox
	// SandboxServer serves the sandbox over HTTP on loopback.
	SandboxServer *httptest.Server
	App           *app.App
	Config        *config.Config
	// Server serves the product's router; Config.BaseURL is its URL.
	Server *httptest.Server
	// Mini is the in-process Redis, nil when TEST_REDIS_URL names a server.
	Mini *miniredis.Miniredis
}

// Options adjust New.
type Options struct {
	// Vars override configuration variables.
	Vars map[string]string
	// Sandbox adjusts the sandbox configuration.
	Sandbox func(*sandbox.Config)
}

// New builds an Env. The product's clock starts at a fixed instant; the
// sandbox shares it.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	e := &Env{T: t, Clock: NewClock()}
	// The sandbox's clock follows the product's clock and also moves with
	// real time, so its per-second rate limits see calls spread out as
	// they really are.
	started := time.Now()
	sbCfg := sandbox.Config{
		VKClientID: sandbox.DefaultVKClientID, VKClientSecret: sandbox.DefaultVKClientSecret,
		EvotorClientID: sandbox.DefaultEvotorClientID, EvotorClientSecret: sandbox.DefaultEvotorClientSecret,
		Now: func() time.Time { return e.Clock.Now().Add(time.Since(started)) },
	}
	if opts.Sandbox != nil {
		opts.Sandbox(&sbCfg)
	}
	e.Sandbox = sandbox.New(sbCfg)
	e.SandboxServer = httptest.NewServer(e.Sandbox.Handler())
	t.Cleanup(e.SandboxServer.Close)

	var handler http.Handler = http.NotFoundHandler()
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(e.Server.Close)

	var redisURL string
	redisURL, e.Mini = RedisURL(t)
	vars := e.defaultVars(redisURL, DatabaseURL(t))
	for k, v := range opts.Vars {
		vars[k] = v
	}
	cfg, err := config.LoadFrom(vars)
	if err != nil {
		t.Fatalf("test configuration: %v", err)
	}
	e.Config = cfg
	a, err := app.New(context.Background(), cfg, Logger(t))
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	a.Now = e.Clock.Now
	t.Cleanup(a.Close)
	e.App = a
	if handler, err = a.WebHandler(); err != nil {
		t.Fatalf("build router: %v", err)
	}
	return e
}

func (e *Env) defaultVars(redisURL, databaseURL string) map[string]string {
	sb := e.SandboxServer.URL
	return map[string]string{
		"BASE_URL":              e.Server.URL,
		"DATABASE_URL":          databaseURL,
		"REDIS_URL":             redisURL,
		"SESSION_SECRET":        "test-session-secret-0123456789abcdef",
		"TOKEN_ENCRYPTION_KEY":  "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"VK_CLIENT_ID":          sandbox.DefaultVKClientID,
		"VK_CLIENT_SECRET":      sandbox.DefaultVKClientSecret,
		"VK_OAUTH_BASE_URL":     sb + "/vk/oauth",
		"VK_API_BASE_URL":       sb + "/vk/method",
		"EVOTOR_CLIENT_ID":      sandbox.DefaultEvotorClientID,
		"EVOTOR_CLIENT_SECRET":  sandbox.DefaultEvotorClientSecret,
		"EVOTOR_OAUTH_BASE_URL": sb + "/evotor",
		"EVOTOR_API_BASE_URL":   sb + "/evotor/api",
		"ADMIN_EMAILS":          "admin@example.test",
	}
}

// Inspector reads the queues the product enqueues to.
func (e *Env) Inspector() *asynq.Inspector {
	insp := asynq.NewInspector(e.App.RedisOpts.Asynq())
	e.T.Cleanup(func() { insp.Close() })
	return insp
}
