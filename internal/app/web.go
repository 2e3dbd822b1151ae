package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evosync/evosync/handlers"
	"github.com/evosync/evosync/internal/sessionstore"
)

// drainTimeout is how long the web server waits for requests in flight
// after SIGTERM; Heroku allows 30 seconds in all.
const drainTimeout = 25 * time.Second

// WebHandler builds the router of the web process.
func (a *App) WebHandler() (http.Handler, error) {
	gin.SetMode(gin.ReleaseMode)
	store, err := sessionstore.New(a.Redis, []byte(a.Config.SessionSecret), handlers.CookieOptions(a.Config.SecureCookies(), handlers.SessionMaxAge))
	if err != nil {
		return nil, err
	}
	h, err := handlers.New(handlers.Deps{
		Config: a.Config, DB: a.Ent, SQL: a.DB.SQL, Dialect: a.DB.Dialect, Redis: a.Redis, Sessions: store, Sealer: a.Sealer,
		VK: a.VK, Evotor: a.Evotor, Sync: a.Sync, Queue: a.Queue, QueueRedis: a.RedisOpts.Asynq(),
		Log: a.Log, Now: a.Now,
	})
	if err != nil {
		return nil, err
	}
	return h.Routes(), nil
}

// RunWeb serves HTTP on PORT until ctx ends, then drains requests in
// flight and returns nil.
func (a *App) RunWeb(ctx context.Context) error {
	handler, err := a.WebHandler()
	if err != nil {
		return err
	}
	addr := ":" + strconv.Itoa(a.Config.Port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return a.Serve(ctx, ln, handler)
}

// Serve runs an HTTP server on a listener until ctx ends.
func (a *App) Serve(ctx context.Context, ln net.Listener, handler http.Handler) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("web server listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("web server draining", "timeout", drainTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("drain HTTP server: %w", err)
	}
	a.Log.Info("web server stopped")
	return nil
}
