package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// defaultEvotorUserID is the user that the Evotor consent page offers.
const defaultEvotorUserID = "01-000000000000001"

// defaultEvotorScope is the scope of minted tokens and of authorize
// requests without one: read access to stores, products, groups, images
// and stock.
const defaultEvotorScope = "store:read product:read product-group:read product-image:read product.quantity:read"

// evotorRefreshTTL is the lifetime of an Evotor refresh token.
// NOTE: Evotor does not document it. The sandbox uses 90 days so that
// tests that move the clock past an access token's expiry can still refresh.
const evotorRefreshTTL = 90 * 24 * time.Hour

// evotorUser is an Evotor account with the data its API returns. The
// products and product groups of its stores live in Sandbox.catalogs.
type evotorUser struct {
	id         string
	appRemoved bool // the user removed the app, so the API responds with 403
	stores     []evotorStore
}

// evotorStore is a store as GET /stores returns it.
type evotorStore struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

// evotorGrant is an access token with its refresh token. Refreshing
// revokes the grant and issues a new one.
type evotorGrant struct {
	access, refresh string
	userID          string
	scope           string // space-separated
	issued          time.Time
	accessExpires   time.Time
	refreshExpires  time.Time
	revoked         bool
}

func (g *evotorGrant) accessState(now time.Time) tokenState {
	switch {
	case g.revoked:
		return tokenRevoked
	case !now.Before(g.accessExpires):
		return tokenExpired
	}
	return tokenActive
}

func (g *evotorGrant) refreshUsable(now time.Time) bool {
	return !g.revoked && now.Before(g.refreshExpires)
}

// defaultEvotorStores is the catalog of every new user: two stores whose
// ids depend only on the user id, so they are stable across restarts.
var defaultEvotorStores = []evotorStore{
	{Name: "Магазин на Ленина", Address: "г. Москва, ул. Ленина, д. 1"},
	{Name: "Магазин на Садовой", Address: "г. Москва, ул. Садовая, д. 15"},
}

// evotorUserLocked returns the user, creating it with the default stores
// when it is new. The caller holds s.mu for writing.
func (s *Sandbox) evotorUserLocked(userID string) *evotorUser {
	if u, ok := s.evotorUsers[userID]; ok {
		return u
	}
	u := &evotorUser{id: userID, stores: slices.Clone(defaultEvotorStores)}
	for i := range u.stores {
		u.stores[i].ID = evotorStoreID(userID, i)
		s.evotorStoreOwners[u.stores[i].ID] = userID
	}
	s.evotorUsers[userID] = u
	return u
}

// evotorStoreID derives a store id in the format of Evotor's ids, such as
// 20170228-F4F1-401B-80FA-9ECCA8451FFB: eight digits, which the sandbox
// fills with a date, then groups of uppercase hex digits.
func evotorStoreID(userID string, index int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "store/%s/%d", userID, index))
	date := fmt.Sprintf("%04d%02d%02d", 2016+int(sum[0]%8), 1+int(sum[1]%12), 1+int(sum[2]%28))
	h := strings.ToUpper(hex.EncodeToString(sum[3:17]))
	return date + "-" + h[0:4] + "-" + h[4:8] + "-" + h[8:12] + "-" + h[12:24]
}

// MintEvotorToken issues an access and a refresh token for the user without
// the consent flow. A new user gets the default stores.
func (s *Sandbox) MintEvotorToken(userID string) (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.issueEvotorGrantLocked(userID, defaultEvotorScope)
	return g.access, g.refresh
}

func (s *Sandbox) issueEvotorGrantLocked(userID, scope string) *evotorGrant {
	s.evotorUserLocked(userID)
	now := s.now()
	g := &evotorGrant{
		access:         randomUUID(),
		refresh:        randomUUID(),
		userID:         userID,
		scope:          scope,
		issued:         now,
		accessExpires:  now.Add(s.cfg.EvotorTokenTTL),
		refreshExpires: now.Add(evotorRefreshTTL),
	}
	s.evotorAccess[g.access] = g
	s.evotorRefresh[g.refresh] = g
	return g
}

// RevokeEvotorUser revokes every active grant of the user, each an access
// token with its refresh token, and returns how many grants it revoked.
func (s *Sandbox) RevokeEvotorUser(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	revoked := 0
	for _, g := range s.evotorAccess {
		if g.userID == userID && !g.revoked {
			g.revoked = true
			revoked++
		}
	}
	return revoked
}

// RevokeEvotorToken revokes the grant of an access or refresh token. It
// returns false when the token is unknown or was already revoked.
func (s *Sandbox) RevokeEvotorToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.evotorAccess[token]
	if !ok {
		g, ok = s.evotorRefresh[token]
	}
	if !ok || g.revoked {
		return false
	}
	g.revoked = true
	return true
}

// SetEvotorAppRemoved marks whether the user removed the app. While it is
// removed, the API responds with 403 to the user's tokens, which stay valid.
func (s *Sandbox) SetEvotorAppRemoved(userID string, removed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evotorUserLocked(userID).appRemoved = removed
}
