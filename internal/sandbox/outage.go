package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Outage is a failure mode that a provider's API and token endpoints show
// until SetOutage sets OutageNone again. The consent pages keep working.
type Outage int

const (
	// OutageNone serves requests normally.
	OutageNone Outage = iota
	// OutageHTML502 responds with 502 and an HTML page, as a failing proxy does.
	OutageHTML502
	// OutageHTML200 responds with 200, Content-Type text/html and an HTML page.
	OutageHTML200
	// OutageBrokenJSON responds with 200 and a JSON body cut off in the middle.
	OutageBrokenJSON
	// OutageTimeout keeps the request waiting until the client's request
	// context ends, or for 2 minutes, after which it responds with 504.
	OutageTimeout
	// OutageRateLimit makes VK API calls return error 6 and Evotor requests
	// return 429 with rate-limit headers.
	OutageRateLimit
	// OutageServerError makes VK API calls return error 10 and Evotor
	// requests return 503 with a JSON body.
	OutageServerError
)

// outageNames are the names that String returns and ParseOutage accepts,
// indexed by Outage.
var outageNames = [...]string{
	OutageNone:        "none",
	OutageHTML502:     "html502",
	OutageHTML200:     "html200",
	OutageBrokenJSON:  "broken_json",
	OutageTimeout:     "timeout",
	OutageRateLimit:   "rate_limit",
	OutageServerError: "server_error",
}

// maxBodyBytes is the maximum size of a request body of an API or token
// endpoint.
const maxBodyBytes = 10 << 20

var errBodyTooLarge = fmt.Errorf("request body exceeds the limit of %d bytes", maxBodyBytes)

// maxHang is how long OutageTimeout keeps waiting on a request whose context
// never ends.
const maxHang = 2 * time.Minute

func (o Outage) String() string {
	if o < 0 || int(o) >= len(outageNames) {
		return fmt.Sprintf("Outage(%d)", int(o))
	}
	return outageNames[o]
}

// ParseOutage returns the Outage whose String is name.
func ParseOutage(name string) (Outage, error) {
	for o, n := range outageNames {
		if n == name {
			return Outage(o), nil
		}
	}
	return OutageNone, fmt.Errorf("unknown outage %q: expected one of %v", name, outageNames)
}

// providerIndex maps a provider name to its slot in Sandbox.outages.
func providerIndex(provider string) (int, error) {
	switch provider {
	case ProviderVK:
		return 0, nil
	case ProviderEvotor:
		return 1, nil
	}
	return 0, fmt.Errorf("unknown provider %q: expected %q or %q", provider, ProviderVK, ProviderEvotor)
}

// SetOutage sets the failure mode of the provider's API and token endpoints.
// It panics when provider is neither "vk" nor "evotor" or o is not a
// defined Outage.
func (s *Sandbox) SetOutage(provider string, o Outage) {
	i, err := providerIndex(provider)
	if err != nil {
		panic("sandbox.SetOutage: " + err.Error())
	}
	if o < 0 || int(o) >= len(outageNames) {
		panic(fmt.Sprintf("sandbox.SetOutage: undefined outage %d", int(o)))
	}
	s.outages[i].Store(int32(o))
}

func (s *Sandbox) outage(provider string) Outage {
	i, err := providerIndex(provider)
	if err != nil {
		return OutageNone
	}
	return Outage(s.outages[i].Load())
}

// SetLatency sets the delay added before every API and token endpoint
// response. A request whose context ends during the delay gets no response.
func (s *Sandbox) SetLatency(d time.Duration) {
	s.latency.Store(int64(max(d, 0)))
}

// outageWriter writes the responses during OutageRateLimit and OutageServerError
// in the error format of one endpoint.
type outageWriter func(w http.ResponseWriter, r *http.Request, o Outage)

// begin runs the steps that every API and token endpoint shares: it counts
// the call, waits the configured latency and serves the provider's outage.
// It returns false when the handler must stop, because a response has been
// written or the request context ended.
func (s *Sandbox) begin(w http.ResponseWriter, r *http.Request, provider, method string, writeOutage outageWriter) bool {
	s.countCall(provider, method)
	if err := bufferBody(r); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, err.Error(), status)
		return false
	}
	if !s.sleep(r.Context(), time.Duration(s.latency.Load())) {
		return false
	}

	switch o := s.outage(provider); o {
	case OutageNone:
		return true
	case OutageHTML502:
		writeHTML(w, http.StatusBadGateway, badGatewayPage)
	case OutageHTML200:
		writeHTML(w, http.StatusOK, overloadPage)
	case OutageBrokenJSON:
		writeBrokenJSON(w, provider)
	case OutageTimeout:
		if s.sleep(r.Context(), maxHang) {
			writeHTML(w, http.StatusGatewayTimeout, gatewayTimeoutPage)
		}
	default:
		writeOutage(w, r, o)
	}
	return false
}

// bufferBody reads the request body into memory and replaces r.Body with
// the copy. net/http starts to watch the connection for a client that hangs
// up only after the handler has read the body to its end. Without this, the
// request context of a POST would not end while the handler waits.
func bufferBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("reading the request body failed: %w", err)
	}
	if len(body) > maxBodyBytes {
		return errBodyTooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// sleep waits for d and reports whether ctx was still active afterwards.
func (s *Sandbox) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

const badGatewayPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

const gatewayTimeoutPage = `<html>
<head><title>504 Gateway Time-out</title></head>
<body>
<center><h1>504 Gateway Time-out</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

const overloadPage = `<!DOCTYPE html>
<html lang="ru">
<head><meta charset="utf-8"><title>Сервис временно недоступен</title></head>
<body><p>Сервис временно недоступен. Попробуйте обновить страницу позже.</p></body>
</html>
`

// Bodies of OutageBrokenJSON: valid UTF-8 JSON cut off before its end.
const (
	brokenVKJSON     = `{"response":[{"id":424242,"first_name":"Иван","last_na`
	brokenEvotorJSON = `{"items":[{"id":"20170228-F4F1-401B-80FA-9ECCA8451FFB","name":"Магаз`
)

func writeBrokenJSON(w http.ResponseWriter, provider string) {
	body := brokenVKJSON
	if provider == ProviderEvotor {
		body = brokenEvotorJSON
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

func writeHTML(w http.ResponseWriter, status int, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page))
}
