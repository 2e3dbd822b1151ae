package sessionstore_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	"github.com/redis/go-redis/v9"

	"github.com/evosync/evosync/internal/sessionstore"
	"github.com/evosync/evosync/internal/testenv"
)

const (
	cookieName = "s"
	maxAge     = 3600
)

var secret = []byte("test-session-secret-0123456789abcdef")

func init() {
	gin.SetMode(gin.TestMode)
}

// lax are the cookie options the product uses, with Secure off because the
// test server speaks plain HTTP.
var lax = sessions.Options{Path: "/", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode}

// newRedis returns a client on an empty Redis database for the test.
func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	rawURL, _ := testenv.RedisURL(t)
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatalf("parse %s: %v", rawURL, err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	return client
}

func newStore(t *testing.T, client *redis.Client, key []byte, opts sessions.Options) *sessionstore.Store {
	t.Helper()
	store, err := sessionstore.New(client, key, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return store
}

// newServer serves a router with the store's sessions on loopback:
//
//	/set?k=v…    sets each query parameter and saves, then writes the id
//	/get?key=k   writes the value of k as "type:value"
//	/id          writes the session id without saving
//	/delete?key=k deletes k and saves
//	/set-struct  sets a value that is not a string and saves
//	/logout      clears the session with MaxAge -1 and saves
//	/logout-zero saves with options whose MaxAge is 0
//	/regenerate  calls Regenerate, sets "after" and saves, then writes the id
func newServer(t *testing.T, store *sessionstore.Store) *httptest.Server {
	t.Helper()
	r := gin.New()
	r.Use(sessions.Sessions(cookieName, store))

	r.GET("/set", func(c *gin.Context) {
		s := sessions.Default(c)
		for k, v := range c.Request.URL.Query() {
			s.Set(k, v[0])
		}
		save(c, s)
	})

	r.GET("/get", func(c *gin.Context) {
		v := sessions.Default(c).Get(c.Query("key"))
		c.String(http.StatusOK, "%T:%v", v, v)
	})

	r.GET("/id", func(c *gin.Context) {
		c.String(http.StatusOK, sessions.Default(c).ID())
	})

	r.GET("/delete", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Delete(c.Query("key"))
		save(c, s)
	})

	r.GET("/set-struct", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("value", struct{ A int }{A: 1})
		save(c, s)
	})

	r.GET("/logout", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Clear()
		s.Options(sessions.Options{Path: "/", MaxAge: -1})
		save(c, s)
	})

	r.GET("/logout-zero", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Options(sessions.Options{Path: "/"})
		save(c, s)
	})

	r.GET("/regenerate", func(c *gin.Context) {
		if err := store.Regenerate(c.Request, cookieName); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		s := sessions.Default(c)
		s.Set("after", "regenerate")
		save(c, s)
	})

	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func save(c *gin.Context, s sessions.Session) {
	if err := s.Save(); err != nil {
		c.String(http.StatusInternalServerError, err.Error())
		return
	}
	c.String(http.StatusOK, s.ID())
}

// browser is an HTTP client with a cookie jar for one test server.
type browser struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, srv: srv, client: &http.Client{Jar: jar}}
}

// get requests path and returns the response with its body read.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Get(b.srv.URL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s: %v", path, err)
	}
	return resp, string(body)
}

// getOK requests path and fails the test unless the status is 200.
func (b *browser) getOK(path string) string {
	b.t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	return body
}

// cookie returns the session cookie in the jar, or nil.
func (b *browser) cookie() *http.Cookie {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// setCookie replaces the session cookie in the jar.
func (b *browser) setCookie(value string) {
	u, _ := url.Parse(b.srv.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: value, Path: "/"}})
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("response has no %s cookie; Set-Cookie = %q", cookieName, resp.Header.Values("Set-Cookie"))
	return nil
}

func keyExists(t *testing.T, client *redis.Client, id string) bool {
	t.Helper()
	n, err := client.Exists(context.Background(), sessionstore.Key(id)).Result()
	if err != nil {
		t.Fatalf("EXISTS %s: %v", sessionstore.Key(id), err)
	}
	return n == 1
}

func TestNewMaxAge(t *testing.T) {
	client := newRedis(t)
	for _, age := range []int{0, -1} {
		opts := lax
		opts.MaxAge = age

		store, err := sessionstore.New(client, secret, opts)

		if err == nil {
			t.Errorf("New with MaxAge %d returned no error", age)
		}
		if store != nil {
			t.Errorf("New with MaxAge %d returned a store", age)
		}
	}
}

func TestKey(t *testing.T) {
	if got := sessionstore.Key("abc"); got != "session:abc" {
		t.Errorf("Key(abc) = %q, want session:abc", got)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	srv := newServer(t, newStore(t, newRedis(t), secret, lax))
	b := newBrowser(t, srv)

	b.getOK("/set?state=st-0123456789abcdef&verifier=pkce-verifier_~.-")

	if got := b.getOK("/get?key=state"); got != "string:st-0123456789abcdef" {
		t.Errorf("state = %q, want string:st-0123456789abcdef", got)
	}
	if got := b.getOK("/get?key=verifier"); got != "string:pkce-verifier_~.-" {
		t.Errorf("verifier = %q, want string:pkce-verifier_~.-", got)
	}
	if got := b.getOK("/get?key=absent"); got != "<nil>:<nil>" {
		t.Errorf("absent = %q, want <nil>:<nil>", got)
	}
}

func TestStoreUpdate(t *testing.T) {
	srv := newServer(t, newStore(t, newRedis(t), secret, lax))
	b := newBrowser(t, srv)
	first := b.getOK("/set?state=one&keep=yes")

	second := b.getOK("/set?state=two")
	b.getOK("/delete?key=keep")

	if second != first {
		t.Errorf("session id changed from %q to %q on a later save", first, second)
	}
	if got := b.getOK("/get?key=state"); got != "string:two" {
		t.Errorf("state = %q, want string:two", got)
	}
	if got := b.getOK("/get?key=keep"); got != "<nil>:<nil>" {
		t.Errorf("deleted value = %q, want <nil>:<nil>", got)
	}
}

func TestStoreRejectsNonStringValue(t *testing.T) {
	client := newRedis(t)
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)

	resp, body := b.get("/set-struct")

	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	if !strings.Contains(body, "encode session") {
		t.Errorf("body %q does not explain the failure", body)
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie = %q after a failed save, want none", got)
	}
	keys, err := client.Keys(context.Background(), sessionstore.Key("*")).Result()
	if err != nil {
		t.Fatalf("KEYS: %v", err)
	}
	if len(keys) != 0 {
		t.Errorf("Redis keys %q after a failed save, want none", keys)
	}
}

func TestStoreTTL(t *testing.T) {
	for _, age := range []int{60, maxAge, 30 * 24 * 3600} {
		t.Run(fmt.Sprint(age), func(t *testing.T) {
			client := newRedis(t)
			opts := lax
			opts.MaxAge = age
			srv := newServer(t, newStore(t, client, secret, opts))
			b := newBrowser(t, srv)

			resp, id := b.get("/set?state=x")

			ttl, err := client.TTL(context.Background(), sessionstore.Key(id)).Result()
			if err != nil {
				t.Fatalf("TTL: %v", err)
			}
			want := time.Duration(age) * time.Second
			if ttl < want-time.Second || ttl > want {
				t.Errorf("TTL of %s = %v, want %v within a second", sessionstore.Key(id), ttl, want)
			}
			c := sessionCookie(t, resp)
			if c.MaxAge != age {
				t.Errorf("cookie Max-Age = %d, want %d", c.MaxAge, age)
			}
			if until := time.Until(c.Expires); until < want-time.Minute || until > want+time.Minute {
				t.Errorf("cookie Expires in %v, want about %v", until, want)
			}
		})
	}
}

func TestStoreCookieOptions(t *testing.T) {
	tests := []struct {
		name string
		opts sessions.Options
	}{
		{name: "lax", opts: lax},
		{name: "secure", opts: sessions.Options{Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, newStore(t, newRedis(t), secret, tt.opts))
			b := newBrowser(t, srv)

			resp, id := b.get("/set?state=x")

			c := sessionCookie(t, resp)
			if !c.HttpOnly {
				t.Error("cookie is not HttpOnly")
			}
			if c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie SameSite = %v, want Lax", c.SameSite)
			}
			if c.Secure != tt.opts.Secure {
				t.Errorf("cookie Secure = %v, want %v", c.Secure, tt.opts.Secure)
			}
			if c.Path != "/" {
				t.Errorf("cookie Path = %q, want /", c.Path)
			}
			if strings.Contains(c.Value, id) {
				t.Error("cookie carries the session id in plain text")
			}
		})
	}
}

func TestStoreCookieSigned(t *testing.T) {
	srv := newServer(t, newStore(t, newRedis(t), secret, lax))
	b := newBrowser(t, srv)
	id := b.getOK("/set?state=x")

	var decoded string
	err := newCodec(secret).Decode(cookieName, b.cookie().Value, &decoded)

	if err != nil {
		t.Fatalf("decode the session cookie with the secret: %v", err)
	}
	if decoded != id {
		t.Errorf("cookie carries id %q, want %q", decoded, id)
	}
}

func TestStoreLogout(t *testing.T) {
	client := newRedis(t)
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)
	id := b.getOK("/set?state=x")
	oldCookie := b.cookie().Value

	resp, _ := b.get("/logout")

	if keyExists(t, client, id) {
		t.Errorf("%s still exists after MaxAge -1", sessionstore.Key(id))
	}
	c := sessionCookie(t, resp)
	if c.Value != "" {
		t.Errorf("cookie value = %q, want empty", c.Value)
	}
	// net/http reads "Max-Age=0" as MaxAge -1.
	if c.MaxAge != -1 {
		t.Errorf("cookie MaxAge = %d, want -1 (Max-Age=0)", c.MaxAge)
	}
	if !c.Expires.Before(time.Now()) {
		t.Errorf("cookie Expires = %v, want a past time", c.Expires)
	}
	if b.cookie() != nil {
		t.Error("the cookie jar kept the session cookie")
	}
	b.setCookie(oldCookie)
	if got := b.getOK("/get?key=state"); got != "<nil>:<nil>" {
		t.Errorf("state under the old cookie = %q, want <nil>:<nil>", got)
	}
}

func TestStoreMaxAgeZeroDeletes(t *testing.T) {
	client := newRedis(t)
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)
	id := b.getOK("/set?state=x")

	resp, _ := b.get("/logout-zero")

	if keyExists(t, client, id) {
		t.Errorf("%s exists after a save with MaxAge 0", sessionstore.Key(id))
	}
	c := sessionCookie(t, resp)
	if c.MaxAge != -1 {
		t.Errorf("cookie MaxAge = %d, want -1 (Max-Age=0), so the browser drops it", c.MaxAge)
	}
	if b.cookie() != nil {
		t.Error("the cookie jar kept the session cookie")
	}
}

func TestStoreRegenerate(t *testing.T) {
	client := newRedis(t)
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)
	oldID := b.getOK("/set?state=before")
	oldCookie := b.cookie().Value

	newID := b.getOK("/regenerate")

	if newID == oldID {
		t.Fatalf("Regenerate kept the id %q", oldID)
	}
	if newID == "" {
		t.Fatal("session has no id after Regenerate and Save")
	}
	if keyExists(t, client, oldID) {
		t.Errorf("old key %s still exists", sessionstore.Key(oldID))
	}
	if !keyExists(t, client, newID) {
		t.Errorf("new key %s does not exist", sessionstore.Key(newID))
	}
	if b.cookie().Value == oldCookie {
		t.Error("the session cookie did not change")
	}
	if got := b.getOK("/get?key=after"); got != "string:regenerate" {
		t.Errorf("value set after Regenerate = %q, want string:regenerate", got)
	}
	if got := b.getOK("/get?key=state"); got != "string:before" {
		t.Errorf("value set before Regenerate = %q, want string:before", got)
	}

	old := newBrowser(t, srv)
	old.setCookie(oldCookie)
	if got := old.getOK("/get?key=state"); got != "<nil>:<nil>" {
		t.Errorf("state under the old cookie = %q, want <nil>:<nil>", got)
	}
	if got := old.getOK("/get?key=after"); got != "<nil>:<nil>" {
		t.Errorf("after under the old cookie = %q, want <nil>:<nil>", got)
	}
	if got := old.getOK("/id"); got != "" {
		t.Errorf("id under the old cookie = %q, want a new, unsaved session", got)
	}
}

func TestStoreRegenerateNewSession(t *testing.T) {
	client := newRedis(t)
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)

	id := b.getOK("/regenerate")

	if id == "" {
		t.Fatal("session has no id after Regenerate and Save")
	}
	if got := b.getOK("/get?key=after"); got != "string:regenerate" {
		t.Errorf("after = %q, want string:regenerate", got)
	}
}

func TestStoreRejectedCookies(t *testing.T) {
	client := newRedis(t)
	store := newStore(t, client, secret, lax)
	srv := newServer(t, store)
	victim := newBrowser(t, srv)
	victimID := victim.getOK("/set?state=victim-state")

	otherSecret := []byte("another-secret-0123456789abcdefgh")
	foreign, err := newCodec(otherSecret).Encode(cookieName, victimID)
	if err != nil {
		t.Fatal(err)
	}
	otherName, err := newCodec(secret).Encode("other", victimID)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		value string
	}{
		{name: "garbage", value: "not-a-signed-value"},
		{name: "plain id", value: victimID},
		{name: "empty", value: ""},
		{name: "other secret", value: foreign},
		{name: "other cookie name", value: otherName},
		{name: "altered signature", value: alter(victim.cookie().Value)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, srv)
			b.setCookie(tt.value)

			if got := b.getOK("/get?key=state"); got != "<nil>:<nil>" {
				t.Errorf("state = %q, want <nil>:<nil>", got)
			}
			newID := b.getOK("/set?state=attacker")
			if newID == victimID {
				t.Error("saving under the rejected cookie reused the victim's id")
			}
		})
	}
	if got := victim.getOK("/get?key=state"); got != "string:victim-state" {
		t.Errorf("victim's state = %q, want string:victim-state", got)
	}
}

// alter flips one character in the middle of a cookie value.
func alter(value string) string {
	b := []byte(value)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestStoreExpiredKey(t *testing.T) {
	client := newRedis(t)
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)
	oldID := b.getOK("/set?state=x")
	if err := client.Del(context.Background(), sessionstore.Key(oldID)).Err(); err != nil {
		t.Fatalf("DEL: %v", err)
	}

	got := b.getOK("/get?key=state")
	newID := b.getOK("/set?state=y")

	if got != "<nil>:<nil>" {
		t.Errorf("state after the key expired = %q, want <nil>:<nil>", got)
	}
	if newID == oldID {
		t.Error("a session whose key expired kept its old id")
	}
}

func TestStoreSessionsIsolated(t *testing.T) {
	srv := newServer(t, newStore(t, newRedis(t), secret, lax))
	alice := newBrowser(t, srv)
	bob := newBrowser(t, srv)

	aliceID := alice.getOK("/set?state=alice")
	bobID := bob.getOK("/set?state=bob")

	if aliceID == bobID {
		t.Fatalf("two browsers share the session id %q", aliceID)
	}
	if got := alice.getOK("/get?key=state"); got != "string:alice" {
		t.Errorf("alice's state = %q", got)
	}
	if got := bob.getOK("/get?key=state"); got != "string:bob" {
		t.Errorf("bob's state = %q", got)
	}
}

func TestStoreOptions(t *testing.T) {
	client := newRedis(t)
	store := newStore(t, client, secret, lax)
	store.Options(sessions.Options{Path: "/", MaxAge: 120, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	srv := newServer(t, store)
	b := newBrowser(t, srv)

	resp, id := b.get("/set?state=x")

	c := sessionCookie(t, resp)
	if c.MaxAge != 120 {
		t.Errorf("cookie MaxAge = %d, want 120", c.MaxAge)
	}
	if c.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie SameSite = %v, want Strict", c.SameSite)
	}
	ttl, err := client.TTL(context.Background(), sessionstore.Key(id)).Result()
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	if ttl < 119*time.Second || ttl > 120*time.Second {
		t.Errorf("TTL = %v, want 2m0s within a second", ttl)
	}
}

func TestStoreOptionsLongerMaxAge(t *testing.T) {
	short := lax
	short.MaxAge = 1
	store := newStore(t, newRedis(t), secret, short)
	store.Options(lax)
	srv := newServer(t, store)
	b := newBrowser(t, srv)
	b.getOK("/set?state=x")

	// The cookie's signed timestamp is in whole seconds. After two of them,
	// a cookie checked against the first MaxAge of 1 s is rejected.
	time.Sleep(2100 * time.Millisecond)

	if got := b.getOK("/get?key=state"); got != "string:x" {
		t.Errorf("state after 2 s = %q, want string:x under MaxAge %d", got, lax.MaxAge)
	}
}

func TestStoreOptionsMaxAge(t *testing.T) {
	store := newStore(t, newRedis(t), secret, lax)

	defer func() {
		if recover() == nil {
			t.Error("Options with MaxAge 0 did not panic")
		}
	}()
	store.Options(sessions.Options{Path: "/"})
}

func TestStoreRedisDown(t *testing.T) {
	// After the listener closes, nothing listens on its port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	srv := newServer(t, newStore(t, client, secret, lax))
	b := newBrowser(t, srv)

	resp, body := b.get("/set?state=x")

	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	if !strings.Contains(body, "save session") {
		t.Errorf("body %q does not explain the failure", body)
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie = %q after a failed save, want none", got)
	}
}

// newCodec builds a cookie codec configured like the store's.
func newCodec(secret []byte) *securecookie.SecureCookie {
	codec := securecookie.New(secret, nil)
	codec.SetSerializer(securecookie.JSONEncoder{})
	return codec
}
