package sandbox

import (
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// evotorMediaType is the media type of Evotor API v2, which requests must
// accept and responses carry.
const evotorMediaType = "application/vnd.evotor.v2+json"

// evotorErrorBody is the body of a failed Evotor API request.
// NOTE: Evotor's public documentation does not show its error bodies, so
// callers should rely on the status code only.
type evotorErrorBody struct {
	Errors []evotorErrorItem `json:"errors"`
}

type evotorErrorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// evotorErrorCodes are the error codes of the sandbox's Evotor error bodies
// by HTTP status.
var evotorErrorCodes = map[int]string{
	http.StatusUnauthorized:       "unauthorized",
	http.StatusBadRequest:         "bad_request",
	http.StatusForbidden:          "forbidden",
	http.StatusNotFound:           "not_found",
	http.StatusNotAcceptable:      "not_acceptable",
	http.StatusTooManyRequests:    "too_many_requests",
	http.StatusServiceUnavailable: "service_unavailable",
}

func writeEvotorError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, evotorErrorBody{Errors: []evotorErrorItem{{Code: code, Message: message}}})
}

// evotorRequest is an Evotor API request that passed the token, app and
// Accept checks, as a route handler receives it.
type evotorRequest struct {
	userID string
	scope  string // space-separated
	now    time.Time
}

// evotorAPIHandler serves one Evotor API route for an authorized request.
type evotorAPIHandler func(s *Sandbox, w http.ResponseWriter, r *http.Request, req evotorRequest)

func (s *Sandbox) registerEvotorAPIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /evotor/api/stores", s.evotorAPI("stores", (*Sandbox).listEvotorStores))
}

// evotorAPI wraps an API route with the steps every route shares: latency,
// call count and outage, the token (401) and app installation (403) checks,
// the rate-limit headers and the Accept header check (406). The name is the
// route's CallCount method.
func (s *Sandbox) evotorAPI(name string, handle evotorAPIHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, ok := s.beginEvotorRequest(w, r, name)
		if !ok {
			return
		}
		if !acceptsEvotorV2(r.Header.Values("Accept")) {
			writeEvotorError(w, http.StatusNotAcceptable, evotorErrorCodes[http.StatusNotAcceptable],
				"Accept must include "+evotorMediaType)
			return
		}
		w.Header().Set("Content-Type", evotorMediaType+"; charset=utf-8")
		handle(s, w, r, req)
	})
}

// beginEvotorRequest runs the steps of evotorAPI that come before the Accept
// check. It returns false when it has written the response.
func (s *Sandbox) beginEvotorRequest(w http.ResponseWriter, r *http.Request, name string) (evotorRequest, bool) {
	if !s.begin(w, r, ProviderEvotor, name, writeEvotorAPIOutage) {
		return evotorRequest{}, false
	}
	token := evotorAccessToken(r)
	req, status, message := s.authorizeEvotorRequest(token)
	if status != http.StatusOK {
		writeEvotorError(w, status, evotorErrorCodes[status], message)
		return evotorRequest{}, false
	}
	remaining, reset := s.evotorRate.record(token, req.now)
	setEvotorRateLimitHeaders(w, remaining, reset)
	return req, true
}

// evotorAccessToken returns the token of an "Authorization: Bearer" header,
// or else of the older "X-Authorization" header.
func evotorAccessToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return strings.TrimSpace(r.Header.Get("X-Authorization"))
}

// authorizeEvotorRequest returns the request's user, or the status and
// message of the error to send.
func (s *Sandbox) authorizeEvotorRequest(token string) (evotorRequest, int, string) {
	if token == "" {
		return evotorRequest{}, http.StatusUnauthorized, "Missing access token"
	}
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.evotorAccess[token]
	if !ok || g.accessState(now) != tokenActive {
		return evotorRequest{}, http.StatusUnauthorized, "Access token is invalid, revoked or expired"
	}
	if u := s.evotorUsers[g.userID]; u != nil && u.appRemoved {
		return evotorRequest{}, http.StatusForbidden, "The application was removed by the user"
	}
	return evotorRequest{userID: g.userID, scope: g.scope, now: now}, http.StatusOK, ""
}

// acceptsEvotorV2 reports whether one of the Accept header values lists
// Evotor's v2 media type.
func acceptsEvotorV2(values []string) bool {
	for _, value := range values {
		for part := range strings.SplitSeq(value, ",") {
			mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mediaType == evotorMediaType {
				return true
			}
		}
	}
	return false
}

// setEvotorRateLimitHeaders sets X-RateLimit-Remaining and X-RateLimit-Reset.
// NOTE: whether Evotor sends the reset as seconds from now or as a Unix time
// is not confirmed. The sandbox sends seconds from now, rounded up.
func setEvotorRateLimitHeaders(w http.ResponseWriter, remaining int, reset time.Duration) {
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.Itoa(int(math.Ceil(reset.Seconds()))))
}

// writeEvotorAPIOutage responds to an API request with 429 during
// OutageRateLimit and with 503 during OutageServerError.
func writeEvotorAPIOutage(w http.ResponseWriter, _ *http.Request, o Outage) {
	if o == OutageRateLimit {
		setEvotorRateLimitHeaders(w, 0, evotorRateWindow)
		writeEvotorError(w, http.StatusTooManyRequests, evotorErrorCodes[http.StatusTooManyRequests], "Too many requests")
		return
	}
	writeEvotorError(w, http.StatusServiceUnavailable, evotorErrorCodes[http.StatusServiceUnavailable],
		"Service temporarily unavailable")
}

// evotorPage is a page of a list response. Paging is an empty object on the
// last page.
type evotorPage[T any] struct {
	Items  []T          `json:"items"`
	Paging evotorPaging `json:"paging"`
}

type evotorPaging struct {
	NextCursor string `json:"next_cursor,omitempty"`
}

// listEvotorStores serves GET /stores with all of the user's stores on one
// page.
func (s *Sandbox) listEvotorStores(w http.ResponseWriter, _ *http.Request, req evotorRequest) {
	s.mu.RLock()
	var stores []evotorStore
	if u := s.evotorUsers[req.userID]; u != nil {
		stores = slices.Clone(u.stores)
	}
	s.mu.RUnlock()
	if stores == nil {
		stores = []evotorStore{}
	}
	writeJSON(w, http.StatusOK, evotorPage[evotorStore]{Items: stores})
}
