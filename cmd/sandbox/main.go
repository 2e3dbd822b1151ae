// Command sandbox serves the VK and Evotor stand-in of package sandbox on
// its own, for local runs of the product.
//
// Environment:
//
//	SANDBOX_ADDR          listen address, default 127.0.0.1:8090
//	VK_CLIENT_ID          VK app id, default sandbox-vk-app
//	VK_CLIENT_SECRET      VK app secret, default sandbox-vk-secret
//	EVOTOR_CLIENT_ID      Evotor client id, default sandbox-evotor-app
//	EVOTOR_CLIENT_SECRET  Evotor client secret, default sandbox-evotor-secret
//
// The process stops with exit code 0 on SIGINT or SIGTERM.
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
	"syscall"
	"time"

	"github.com/evosync/evosync/internal/sandbox"
)

// shutdownTimeout is how long a stop waits for requests in progress. It is
// shorter than the 2-minute hang of the timeout outage, so such requests
// are cut off.
const shutdownTimeout = 5 * time.Second

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := run(); err != nil {
		logger.Error("sandbox failed", "error", err)
		os.Exit(1)
	}
}

func run() error {
	addr := envOr("SANDBOX_ADDR", "127.0.0.1:8090")
	cfg := sandbox.Config{
		VKClientID:         envOr("VK_CLIENT_ID", sandbox.DefaultVKClientID),
		VKClientSecret:     envOr("VK_CLIENT_SECRET", sandbox.DefaultVKClientSecret),
		EvotorClientID:     envOr("EVOTOR_CLIENT_ID", sandbox.DefaultEvotorClientID),
		EvotorClientSecret: envOr("EVOTOR_CLIENT_SECRET", sandbox.DefaultEvotorClientSecret),
		CatalogSize:        sandbox.CatalogSizeFromEnv(),
	}
	server := &http.Server{
		Handler:           logRequests(sandbox.New(cfg).Handler()),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on SANDBOX_ADDR %s failed: %w", addr, err)
	}
	slog.Info("sandbox started", "addr", listener.Addr().String(),
		"vk_client_id", cfg.VKClientID, "evotor_client_id", cfg.EvotorClientID)
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- server.Serve(listener)
	}()

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}

	slog.Info("sandbox stopping", "reason", "signal")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		slog.Warn("requests still running at shutdown were cut off", "error", err)
		_ = server.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	slog.Info("sandbox stopped")
	return nil
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

// statusRecorder records the status code that a handler sends.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// logRequests logs each request's method, path, status and duration. The
// query string is left out because it carries client secrets and tokens.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(recorder, r)
		slog.Info("request", "method", r.Method, "path", r.URL.Path,
			"status", recorder.status, "duration", time.Since(start))
	})
}
