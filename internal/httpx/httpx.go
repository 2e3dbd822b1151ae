// Package httpx holds the HTTP plumbing shared by the provider clients:
// capped body reads and typed errors for answers that are not the JSON a
// client expects.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// MaxBody caps how much of a provider's answer is read, so a huge or
// endless body cannot exhaust memory.
const MaxBody = 4 << 20

// ErrTooLarge is returned when an answer exceeds MaxBody.
var ErrTooLarge = errors.New("provider answer exceeds 4 MiB")

// StatusError is a non-success HTTP status.
type StatusError struct {
	Status      int
	ContentType string
	Body        string // the first 200 bytes, for the log; never contains a token
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("provider answered HTTP %d (%s)", e.Status, e.ContentType)
}

// DecodeError is an answer that is not the expected JSON: an HTML page,
// broken or truncated JSON.
type DecodeError struct {
	ContentType string
	Err         error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("provider answer is not valid JSON (%s): %v", e.ContentType, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// NewClient returns an HTTP client with a whole-request timeout.
func NewClient(timeout time.Duration) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: timeout, Transport: transport}
}

// ReadBody reads at most MaxBody bytes of the response and closes it.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read provider answer: %w", err)
	}
	if len(body) > MaxBody {
		return nil, ErrTooLarge
	}
	return body, nil
}

// Snippet returns the start of a body for a log line.
func Snippet(body []byte) string {
	s := string(body)
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "?")
}

// IsTimeout reports whether err is a deadline or network timeout.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// LooksLikeJSON reports whether a body starts like a JSON object or array,
// which tells an HTML error page apart from a provider's JSON error.
func LooksLikeJSON(body []byte) bool {
	s := strings.TrimSpace(string(body[:min(len(body), 64)]))
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}
