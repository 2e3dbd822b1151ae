// Package app builds the dependencies shared by the web and worker
// processes from the configuration, and runs each process.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/config"
	"github.com/evosync/evosync/internal/db"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/health"
	"github.com/evosync/evosync/internal/httpx"
	"github.com/evosync/evosync/internal/redisconf"
	"github.com/evosync/evosync/internal/seal"
	"github.com/evosync/evosync/internal/vk"
)

// App holds the process-wide dependencies.
type App struct {
	Config    *config.Config
	Log       *slog.Logger
	DB        *db.DB
	Ent       *ent.Client
	Redis     *redis.Client
	RedisOpts redisconf.Options
	Sealer    *seal.Sealer
	VK        *vk.Client
	Evotor    *evotor.Client
	Health    *health.Service
	Sync      *catalogsync.Service
	Queue     *asynq.Client
	Now       func() time.Time
	// SchedulerTick is how often the scheduler enqueues due slots; zero
	// means its default.
	SchedulerTick time.Duration
}

// New connects to the database and Redis and builds the clients. A Redis
// TLS certificate that cannot be verified stops it here.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log, Now: time.Now}
	key, err := cfg.EncryptionKey()
	if err != nil {
		return nil, err
	}
	if a.Sealer, err = seal.New(key); err != nil {
		return nil, err
	}
	if a.RedisOpts, err = redisconf.Parse(cfg.RedisURL, cfg.RedisTLSInsecure); err != nil {
		return nil, err
	}
	a.Redis = redis.NewClient(a.RedisOpts.GoRedis())
	if err := redisconf.Ping(ctx, a.Redis); err != nil {
		a.Redis.Close()
		return nil, err
	}
	if a.DB, err = db.Open(cfg.DatabaseURL); err != nil {
		a.Redis.Close()
		return nil, err
	}
	if err := a.DB.SQL.PingContext(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	a.Ent = a.DB.Ent()
	a.Queue = asynq.NewClientFromRedisClient(a.Redis)
	a.buildProviders()
	return a, nil
}

func (a *App) buildProviders() {
	cfg := a.Config
	httpClient := httpx.NewClient(cfg.ProviderTimeout)
	a.VK = vk.New(vk.Config{
		ClientID: cfg.VKClientID, ClientSecret: cfg.VKClientSecret, Scopes: cfg.VKScopes,
		APIVersion: cfg.VKAPIVersion, OAuthBaseURL: cfg.VKOAuthBaseURL, APIBaseURL: cfg.VKAPIBaseURL,
	}, httpClient)
	a.Evotor = evotor.New(evotor.Config{
		ClientID: cfg.EvotorClientID, ClientSecret: cfg.EvotorClientSecret, Scopes: cfg.EvotorScopes,
		OAuthBaseURL: cfg.EvotorOAuthBaseURL, APIBaseURL: cfg.EvotorAPIBaseURL,
	}, httpClient)
	a.Health = &health.Service{
		DB: a.Ent, Sealer: a.Sealer, VK: a.VK, Evotor: a.Evotor, Log: a.Log,
		Now: func() time.Time { return a.Now() }, Concurrency: cfg.HealthCheckConcurrency,
		RefreshBefore: refreshLead(cfg.HealthCheckInterval),
	}
	a.Sync = &catalogsync.Service{
		DB: a.Ent, Sealer: a.Sealer, VK: a.VK, Evotor: a.Evotor, Log: a.Log,
		Now: func() time.Time { return a.Now() },
	}
}

// refreshLead refreshes an Evotor token when it would expire within three
// check intervals (at least a day), so one or two failed refreshes still
// leave time before the token dies.
func refreshLead(interval time.Duration) time.Duration {
	return max(3*interval, 24*time.Hour)
}

// Close releases the connections. The queue client shares the Redis
// client, so closing Redis closes both.
func (a *App) Close() {
	if a.DB != nil {
		a.DB.Close()
	}
	if a.Redis != nil {
		a.Redis.Close()
	}
}

// NewLogger builds the JSON logger at the configured level.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
