// Command dev runs the whole product in one process for a local try-out:
// the web server, the worker and its scheduler, a SQLite file, an
// in-process Redis when REDIS_URL is unset, and the sandbox VK and Evotor
// when VK_OAUTH_BASE_URL is unset. Every setting can still be overridden
// through the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"golang.org/x/sync/errgroup"

	"github.com/evosync/evosync/internal/app"
	"github.com/evosync/evosync/internal/config"
	"github.com/evosync/evosync/internal/sandbox"
)

// Local-run secrets. They protect nothing: the local run keeps its data in
// a file on the developer's machine and talks only to the sandbox.
const (
	devSessionSecret = "local-run-session-secret-not-for-production"
	devTokenKey      = "bG9jYWwtcnVuLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=" // 32 bytes
)

func main() {
	log := app.NewLogger(envOr("LOG_LEVEL", "info"))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("local run failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	port := envOr("PORT", "8080")
	setDefault("BASE_URL", "http://localhost:"+port)
	setDefault("DATABASE_URL", "sqlite://evosync-dev.db")
	setDefault("SESSION_SECRET", devSessionSecret)
	setDefault("TOKEN_ENCRYPTION_KEY", devTokenKey)
	setDefault("HEALTH_CHECK_INTERVAL", "1m")
	setDefault("SYNC_INTERVAL", "5m")

	// Redis and the sandbox stop only after the web server and the worker
	// have, so nothing they still do fails against a vanished dependency.
	services, stopServices := context.WithCancel(context.Background())
	defer stopServices()
	var supporting errgroup.Group
	defer supporting.Wait()
	if os.Getenv("REDIS_URL") == "" {
		if err := startRedis(services, log); err != nil {
			return err
		}
	}
	if os.Getenv("VK_OAUTH_BASE_URL") == "" {
		if err := startSandbox(services, &supporting, log); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)

	cfg, err := config.Load()
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.DB.Migrate(ctx, log); err != nil {
		return err
	}

	// The local run uses fixed secrets, so it listens on loopback only.
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on port %d (set PORT to use another): %w", cfg.Port, err)
	}
	handler, err := a.WebHandler()
	if err != nil {
		return err
	}
	g.Go(func() error { return a.Serve(ctx, ln, handler) })
	g.Go(func() error { return a.RunWorker(ctx) })
	fmt.Fprintf(os.Stderr, "\n  EvoSync is running: open %s\n  Sandbox VK and Evotor: %s\n\n", cfg.BaseURL, sandboxURL())
	err = g.Wait()
	stopServices()
	log.Info("local run stopped")
	return err
}

// startRedis runs miniredis and advances its clock every second, because
// miniredis expires keys only when its clock is moved forward.
func startRedis(ctx context.Context, log *slog.Logger) error {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return fmt.Errorf("start in-process Redis: %w", err)
	}
	go func() {
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				mr.Close()
				return
			case <-ticker.C:
				mr.FastForward(time.Second)
			}
		}
	}()
	os.Setenv("REDIS_URL", "redis://"+mr.Addr())
	log.Info("in-process Redis started", "addr", mr.Addr())
	return nil
}

// startSandbox serves the sandbox providers and points the clients at them.
func startSandbox(ctx context.Context, g *errgroup.Group, log *slog.Logger) error {
	addr := envOr("SANDBOX_ADDR", "127.0.0.1:8090")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for the sandbox on %s (set SANDBOX_ADDR to use another): %w", addr, err)
	}
	root := "http://" + ln.Addr().String()
	os.Setenv("SANDBOX_URL", root)
	setDefault("VK_CLIENT_ID", sandbox.DefaultVKClientID)
	setDefault("VK_CLIENT_SECRET", sandbox.DefaultVKClientSecret)
	setDefault("EVOTOR_CLIENT_ID", sandbox.DefaultEvotorClientID)
	setDefault("EVOTOR_CLIENT_SECRET", sandbox.DefaultEvotorClientSecret)
	os.Setenv("VK_OAUTH_BASE_URL", root+"/vk/oauth")
	os.Setenv("VK_API_BASE_URL", root+"/vk/method")
	os.Setenv("EVOTOR_OAUTH_BASE_URL", root+"/evotor")
	os.Setenv("EVOTOR_API_BASE_URL", root+"/evotor/api")

	sb := sandbox.New(sandbox.Config{
		VKClientID: os.Getenv("VK_CLIENT_ID"), VKClientSecret: os.Getenv("VK_CLIENT_SECRET"),
		EvotorClientID: os.Getenv("EVOTOR_CLIENT_ID"), EvotorClientSecret: os.Getenv("EVOTOR_CLIENT_SECRET"),
		CatalogSize: sandbox.CatalogSizeFromEnv(),
	})
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	g.Go(func() error {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	log.Info("sandbox providers started", "url", root)
	return nil
}

func sandboxURL() string {
	if u := os.Getenv("SANDBOX_URL"); u != "" {
		return u + "/"
	}
	return "(not started: VK_OAUTH_BASE_URL is set)"
}

func setDefault(key, value string) {
	if os.Getenv(key) == "" {
		os.Setenv(key, value)
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
