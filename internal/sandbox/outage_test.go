package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// outageRequests returns one request per endpoint kind that outages affect.
func outageRequests(h *harness, vkToken, evotorToken string) map[string]func() *http.Request {
	return map[string]func() *http.Request{
		"vk api": func() *http.Request {
			return h.newRequest(http.MethodGet, "/vk/method/users.get?v=5.199&access_token="+vkToken, nil)
		},
		"vk token": func() *http.Request {
			return h.newRequest(http.MethodGet, "/vk/oauth/access_token?client_id=x&client_secret=y&code=z", nil)
		},
		"evotor api": func() *http.Request {
			req := h.newRequest(http.MethodGet, "/evotor/api/stores", nil)
			req.Header.Set("Accept", evotorMediaType)
			req.Header.Set("Authorization", "Bearer "+evotorToken)
			return req
		},
		"evotor token": func() *http.Request {
			req := h.newRequest(http.MethodPost, "/evotor/oauth/token", strings.NewReader("grant_type=refresh_token&refresh_token=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(DefaultEvotorClientID, DefaultEvotorClientSecret)
			return req
		},
	}
}

func setBothOutages(h *harness, o Outage) {
	h.sb.SetOutage(ProviderVK, o)
	h.sb.SetOutage(ProviderEvotor, o)
}

func TestOutageHTML(t *testing.T) {
	h := newHarness(t, Config{})
	requests := outageRequests(h, h.sb.MintVKToken(testVKUser), "")
	for outage, wantStatus := range map[Outage]int{OutageHTML502: http.StatusBadGateway, OutageHTML200: http.StatusOK} {
		setBothOutages(h, outage)
		for name, newRequest := range requests {
			r := h.do(newRequest())
			if r.status != wantStatus {
				t.Errorf("%v %s: status = %d, want %d", outage, name, r.status, wantStatus)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%v %s: Content-Type = %q, want text/html", outage, name, ct)
			}
			if !strings.Contains(string(r.body), "<html") {
				t.Errorf("%v %s: body is not an HTML page: %s", outage, name, r.body)
			}
		}
	}
}

func TestOutageBrokenJSON(t *testing.T) {
	h := newHarness(t, Config{})
	setBothOutages(h, OutageBrokenJSON)
	for name, newRequest := range outageRequests(h, "", "") {
		r := h.do(newRequest())
		if r.status != http.StatusOK {
			t.Errorf("%s: status = %d, want 200", name, r.status)
		}
		var v any
		if err := json.Unmarshal(r.body, &v); err == nil {
			t.Errorf("%s: body %s decodes, want truncated JSON", name, r.body)
		}
	}
}

func TestOutageTimeout(t *testing.T) {
	h := newHarness(t, Config{})
	setBothOutages(h, OutageTimeout)
	for name, newRequest := range outageRequests(h, "", "") {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := h.client.Do(newRequest().WithContext(ctx))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: error = %v, want the client's deadline to pass", name, err)
		}
	}
	// The server's Close in t.Cleanup waits for the handlers, so a handler
	// that ignored the cancellation would hold the test for 2 minutes.
}

func TestOutageRateLimit(t *testing.T) {
	h := newHarness(t, Config{})
	vkToken := h.sb.MintVKToken(testVKUser)
	evotorToken, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	setBothOutages(h, OutageRateLimit)

	if code := h.callVK("users.get", vkToken, nil).vkErrorCode(); code != vkErrTooManyRequests {
		t.Errorf("vk api: error %d, want 6", code)
	}
	for _, name := range []string{"evotor api", "evotor token"} {
		r := h.do(outageRequests(h, vkToken, evotorToken)[name]())
		if r.status != http.StatusTooManyRequests {
			t.Errorf("%s: status = %d, want 429", name, r.status)
		}
		if r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("X-RateLimit-Reset") == "" {
			t.Errorf("%s: rate-limit headers = %q %q", name,
				r.header.Get("X-RateLimit-Remaining"), r.header.Get("X-RateLimit-Reset"))
		}
	}
	if r := h.do(outageRequests(h, vkToken, evotorToken)["vk token"]()); r.status != http.StatusTooManyRequests {
		t.Errorf("vk token: status = %d, want 429", r.status)
	}
}

func TestOutageServerError(t *testing.T) {
	h := newHarness(t, Config{})
	vkToken := h.sb.MintVKToken(testVKUser)
	evotorToken, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	setBothOutages(h, OutageServerError)

	result := h.callVK("users.get", vkToken, nil)
	if result.vkErrorCode() != vkErrInternal {
		t.Errorf("vk api: error %d, want 10", result.vkErrorCode())
	}
	for _, param := range result.Error.RequestParams {
		if param.Key == "access_token" {
			t.Error("request_params contain the access token")
		}
	}
	requests := outageRequests(h, vkToken, evotorToken)
	for _, name := range []string{"evotor api", "evotor token", "vk token"} {
		r := h.do(requests[name]())
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s: status = %d, want 503", name, r.status)
		}
		var v any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Errorf("%s: body %s is not JSON: %v", name, r.body, err)
		}
	}
}

func TestOutageSparesConsentPages(t *testing.T) {
	h := newHarness(t, Config{})
	setBothOutages(h, OutageHTML502)
	vk := h.get("/vk/oauth/authorize?" + url.Values{
		"client_id": {DefaultVKClientID}, "redirect_uri": {testRedirectURI}, "response_type": {"code"},
	}.Encode())
	evotor := h.get("/evotor/oauth/authorize?" + url.Values{
		"client_id": {DefaultEvotorClientID}, "redirect_uri": {testEvotorURI}, "response_type": {"code"},
	}.Encode())
	if vk.status != http.StatusOK || evotor.status != http.StatusOK {
		t.Errorf("consent pages during an outage = %d and %d, want 200", vk.status, evotor.status)
	}
}

func TestOutageNoneRestores(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.SetOutage(ProviderVK, OutageServerError)
	h.sb.SetOutage(ProviderVK, OutageNone)
	if code := h.callVK("users.get", token, nil).vkErrorCode(); code != 0 {
		t.Errorf("error %d after OutageNone, want success", code)
	}
}

func TestSetOutagePanicsOnUnknownProvider(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SetOutage with an unknown provider did not panic")
		}
	}()
	New(Config{}).SetOutage("ok", OutageNone)
}

func TestLatency(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)

	h.sb.SetLatency(50 * time.Millisecond)
	start := time.Now()
	h.callVK("users.get", token, nil)
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("call took %v, want at least the 50 ms latency", elapsed)
	}

	h.sb.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := h.newRequest(http.MethodGet, "/vk/method/users.get?v=5.199&access_token="+token, nil)
	if _, err := h.client.Do(req.WithContext(ctx)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the client's deadline to pass during the latency", err)
	}
}

func TestParseOutage(t *testing.T) {
	for o := OutageNone; o <= OutageServerError; o++ {
		got, err := ParseOutage(o.String())
		if err != nil || got != o {
			t.Errorf("ParseOutage(%q) = %v, %v, want %v", o.String(), got, err, o)
		}
	}
	if _, err := ParseOutage("down"); err == nil {
		t.Error("ParseOutage(down) returned no error")
	}
}
