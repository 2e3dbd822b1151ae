// Package sessionstore keeps gin-contrib/sessions data in Redis through
// go-redis, the one Redis client of the product. The cookie carries only a
// signed random session id; values live under "session:<id>" with a TTL
// equal to the cookie's MaxAge.
package sessionstore

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	ginsessions "github.com/gin-contrib/sessions"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
)

const keyPrefix = "session:"

// redisTimeout bounds one session read or write.
const redisTimeout = 3 * time.Second

// Store implements gin-contrib/sessions' Store.
type Store struct {
	client  *redis.Client
	codecs  []securecookie.Codec
	options *gsessions.Options
}

var _ ginsessions.Store = (*Store)(nil)

// New returns a store whose cookies are signed with secret. MaxAge must be
// positive: a zero MaxAge would make every session a browser-session
// cookie with no Redis TTL to match.
func New(client *redis.Client, secret []byte, opts ginsessions.Options) (*Store, error) {
	if opts.MaxAge <= 0 {
		return nil, errors.New("session MaxAge must be positive")
	}
	codec := securecookie.New(secret, nil)
	codec.MaxAge(opts.MaxAge)
	// The cookie carries only the session id; JSON decodes it several
	// times faster than securecookie's default gob, on every request.
	codec.SetSerializer(securecookie.JSONEncoder{})
	return &Store{client: client, codecs: []securecookie.Codec{codec}, options: opts.ToGorillaOptions()}, nil
}

// Options replaces the cookie options of sessions created afterwards. It
// panics when MaxAge is not positive, for the reason given at New, because
// the Store interface leaves no way to return an error.
func (s *Store) Options(opts ginsessions.Options) {
	if opts.MaxAge <= 0 {
		panic("sessionstore: session MaxAge must be positive")
	}
	for _, codec := range s.codecs {
		if c, ok := codec.(*securecookie.SecureCookie); ok {
			c.MaxAge(opts.MaxAge)
		}
	}
	s.options = opts.ToGorillaOptions()
}

// Get returns the request's session, cached for the request's lifetime.
func (s *Store) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return gsessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or starts an empty one.
func (s *Store) New(r *http.Request, name string) (*gsessions.Session, error) {
	session := gsessions.NewSession(s, name)
	opts := *s.options
	session.Options = &opts
	session.IsNew = true

	cookie, err := r.Cookie(name)
	if err != nil {
		return session, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, cookie.Value, &id, s.codecs...); err != nil {
		// A forged, expired or foreign cookie starts a new session.
		return session, nil
	}
	found, err := s.load(r.Context(), id, session)
	if err != nil {
		return session, err
	}
	if found {
		session.ID = id
		session.IsNew = false
	}
	return session, nil
}

func (s *Store) load(ctx context.Context, id string, session *gsessions.Session) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	data, err := s.client.Get(ctx, keyPrefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load session: %w", err)
	}
	var values map[string]string
	if err := json.Unmarshal(data, &values); err != nil {
		return false, nil
	}
	for k, v := range values {
		session.Values[k] = v
	}
	return true, nil
}

// Save writes the session to Redis and sets the cookie. A MaxAge of zero
// or less deletes the session and expires the cookie.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *gsessions.Session) error {
	ctx, cancel := context.WithTimeout(r.Context(), redisTimeout)
	defer cancel()
	if session.Options.MaxAge <= 0 {
		if session.ID != "" {
			if err := s.client.Del(ctx, keyPrefix+session.ID).Err(); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
		// A MaxAge of 0 would leave an empty browser-session cookie, so the
		// cookie gets MaxAge -1, which makes the browser drop it at once.
		expired := *session.Options
		expired.MaxAge = -1
		http.SetCookie(w, gsessions.NewCookie(session.Name(), "", &expired))
		return nil
	}
	if session.ID == "" {
		session.ID = newID()
	}
	data, err := encodeValues(session.Values)
	if err != nil {
		return err
	}
	ttl := time.Duration(session.Options.MaxAge) * time.Second
	if err := s.client.Set(ctx, keyPrefix+session.ID, data, ttl).Err(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	encoded, err := securecookie.EncodeMulti(session.Name(), session.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("sign session cookie: %w", err)
	}
	http.SetCookie(w, gsessions.NewCookie(session.Name(), encoded, session.Options))
	return nil
}

// Lookup returns the values of the session named by the request's cookie
// without going through gin-contrib/sessions, for hot read-only paths. It
// returns the session id too; ok is false when there is no valid session.
func (s *Store) Lookup(r *http.Request, name string) (id string, values map[string]string, ok bool, err error) {
	cookie, err := r.Cookie(name)
	if err != nil {
		return "", nil, false, nil
	}
	if err := securecookie.DecodeMulti(name, cookie.Value, &id, s.codecs...); err != nil {
		return "", nil, false, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), redisTimeout)
	defer cancel()
	data, err := s.client.Get(ctx, keyPrefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return id, nil, false, nil
	}
	if err != nil {
		return id, nil, false, fmt.Errorf("load session: %w", err)
	}
	if err := json.Unmarshal(data, &values); err != nil {
		return id, nil, false, nil
	}
	return id, values, true, nil
}

// CookieID returns the session id the request's cookie names, or "".
func (s *Store) CookieID(r *http.Request, name string) string {
	cookie, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	var id string
	if securecookie.DecodeMulti(name, cookie.Value, &id, s.codecs...) != nil {
		return ""
	}
	return id
}

// encodeValues stores session values as a JSON object of strings, which
// decodes several times faster than gob on every request. Keys and values
// other than strings are rejected so nothing is silently lost.
func encodeValues(values map[any]any) ([]byte, error) {
	plain := make(map[string]string, len(values))
	for k, v := range values {
		key, okKey := k.(string)
		value, okValue := v.(string)
		if !okKey || !okValue {
			return nil, fmt.Errorf("encode session: value %v of type %T under key %v is not a string", v, v, k)
		}
		plain[key] = value
	}
	data, err := json.Marshal(plain)
	if err != nil {
		return nil, fmt.Errorf("encode session: %w", err)
	}
	return data, nil
}

// Regenerate gives the request's session a new id at its next save and
// deletes the old one from Redis, so a session id known before login is
// worthless after it.
func (s *Store) Regenerate(r *http.Request, name string) error {
	session, err := s.Get(r, name)
	if err != nil {
		return err
	}
	if session.ID != "" {
		ctx, cancel := context.WithTimeout(r.Context(), redisTimeout)
		defer cancel()
		if err := s.client.Del(ctx, keyPrefix+session.ID).Err(); err != nil {
			return fmt.Errorf("delete old session: %w", err)
		}
	}
	session.ID = ""
	return nil
}

// Key is the Redis key of a session id.
func Key(id string) string { return keyPrefix + id }

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("sessionstore: no randomness: " + err.Error())
	}
	return strings.TrimRight(base32.StdEncoding.EncodeToString(b), "=")
}
