package testenv

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Browser is an HTTP client with cookies that does not follow redirects,
// so tests see every step of a flow.
type Browser struct {
	t      testing.TB
	env    *Env
	client *http.Client
	// csrf is the token from the last page that carried one.
	csrf string
}

// Page is one response, read whole.
type Page struct {
	Status int
	Header http.Header
	Body   string
	URL    *url.URL
}

// Doc parses the body as HTML.
func (p *Page) Doc(t testing.TB) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(p.Body))
	if err != nil {
		t.Fatalf("parse HTML of %s: %v", p.URL, err)
	}
	return doc
}

// Location resolves the redirect target.
func (p *Page) Location() string {
	loc, err := p.URL.Parse(p.Header.Get("Location"))
	if err != nil {
		return ""
	}
	return loc.String()
}

// Browser returns a new browser with an empty cookie jar.
func (e *Env) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return &Browser{t: e.T, env: e, client: &http.Client{
		Jar:           jar,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// URL makes an absolute URL of a product path.
func (b *Browser) URL(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.env.Config.BaseURL + path
}

// Get fetches a path or URL.
func (b *Browser) Get(path string) *Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.URL(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Do(req)
}

// HTMX fetches a path the way htmx does.
func (b *Browser) HTMX(method, path string) *Page {
	b.t.Helper()
	req, err := http.NewRequest(method, b.URL(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	return b.Do(req)
}

// Post sends a form; the CSRF token of the last page is added unless the
// form sets csrf_token itself.
func (b *Browser) Post(path string, form url.Values) *Page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok && b.csrf != "" {
		form.Set("csrf_token", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.URL(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// Do sends a request and reads the answer whole.
func (b *Browser) Do(req *http.Request) *Page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s: %v", req.URL, err)
	}
	p := &Page{Status: resp.StatusCode, Header: resp.Header, Body: string(body), URL: req.URL}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") && strings.Contains(p.Body, `name="csrf-token"`) {
		if token, ok := p.Doc(b.t).Find(`meta[name="csrf-token"]`).Attr("content"); ok && token != "" {
			b.csrf = token
		}
	}
	return p
}

// Follow fetches the redirect target of p.
func (b *Browser) Follow(p *Page) *Page {
	b.t.Helper()
	if p.Status < 300 || p.Status > 399 {
		b.t.Fatalf("%s: want a redirect, got %d: %.300s", p.URL, p.Status, p.Body)
	}
	return b.Get(p.Location())
}

// Cookie returns the named cookie for the product's URL.
func (b *Browser) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.env.Config.BaseURL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Register creates an account and leaves the browser signed in.
func (b *Browser) Register(email, password string) *Page {
	b.t.Helper()
	b.Get("/register")
	p := b.Post("/register", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("register %s: status %d: %.500s", email, p.Status, p.Body)
	}
	return p
}

// Consent answers a sandbox consent page: fields overrides the editable
// inputs, decision is "allow" or "deny". It returns the sandbox's redirect.
func (b *Browser) Consent(consent *Page, decision string, fields map[string]string) *Page {
	b.t.Helper()
	if consent.Status != http.StatusOK {
		b.t.Fatalf("consent page %s: status %d: %.300s", consent.URL, consent.Status, consent.Body)
	}
	doc := consent.Doc(b.t)
	form := url.Values{}
	doc.Find("form input").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		value, _ := s.Attr("value")
		form.Set(name, value)
	})
	for k, v := range fields {
		form.Set(k, v)
	}
	form.Set("decision", decision)
	action, _ := doc.Find("form").Attr("action")
	target, _ := consent.URL.Parse(action)
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// Connect runs a provider's whole OAuth flow ("vk" or "evotor") with the
// given consent decision and fields, and returns the product's answer to
// the callback.
func (b *Browser) Connect(provider, decision string, fields map[string]string) *Page {
	b.t.Helper()
	start := b.Get("/" + provider + "/connect")
	consent := b.Follow(start)
	back := b.Consent(consent, decision, fields)
	return b.Follow(back)
}

// Client returns the browser's HTTP client, for load tests.
func (b *Browser) Client() *http.Client { return b.client }
