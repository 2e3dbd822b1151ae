// Command sandbox serves the VK and Evotor stand-in of package sandbox on
// its own, for local runs of the product. It takes no arguments, and -h
// prints its settings.
//
// Environment:
//
//	SANDBOX_ADDR          listen address, default 127.0.0.1:8090
//	SANDBOX_CATALOG_SIZE  products in each Evotor store, default 40
//	VK_CLIENT_ID          VK app id, default sandbox-vk-app
//	VK_CLIENT_SECRET      VK app secret, default sandbox-vk-secret
//	EVOTOR_CLIENT_ID      Evotor client id, default sandbox-evotor-app
//	EVOTOR_CLIENT_SECRET  Evotor client secret, default sandbox-evotor-secret
//
// Point the product at it with, for the default address:
//
//	VK_OAUTH_BASE_URL=http://127.0.0.1:8090/vk/oauth
//	VK_API_BASE_URL=http://127.0.0.1:8090/vk/method
//	EVOTOR_OAUTH_BASE_URL=http://127.0.0.1:8090/evotor
//	EVOTOR_API_BASE_URL=http://127.0.0.1:8090/evotor/api
//
// and the same client ids and secrets. The process stops with exit code 0
// on SIGINT or SIGTERM.
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

// usage is the help text that -h prints.
const usage = `Usage: sandbox

Serves the sandbox VK and Evotor on SANDBOX_ADDR (default 127.0.0.1:8090).
Environment: SANDBOX_ADDR, SANDBOX_CATALOG_SIZE (default 40), VK_CLIENT_ID,
VK_CLIENT_SECRET, EVOTOR_CLIENT_ID, EVOTOR_CLIENT_SECRET (defaults
sandbox-vk-app, sandbox-vk-secret, sandbox-evotor-app, sandbox-evotor-secret).
The product's base URLs are http://ADDR/vk/oauth, http://ADDR/vk/method,
http://ADDR/evotor and http://ADDR/evotor/api.
`

func main() {
	if len(os.Args) > 1 {
		fmt.Fprint(os.Stderr, usage)
		switch os.Args[1] {
		case "-h", "-help", "--help":
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "sandbox takes no arguments, got %q\n", os.Args[1:])
		os.Exit(2)
	}
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
