package sandbox

import (
	"fmt"
	"maps"
	"time"
)

// VKUser is a VK account as users.get returns it.
type VKUser struct {
	ID        int64
	FirstName string
	LastName  string
	// Deactivated is "" for an active account, "deleted" or "banned".
	Deactivated string
}

// Values of VKUser.Deactivated.
const (
	VKUserActive  = ""
	VKUserDeleted = "deleted"
	VKUserBanned  = "banned"
)

// The user that the VK consent page offers by default.
const (
	defaultVKUserID    = 424242
	defaultVKFirstName = "Иван"
	defaultVKLastName  = "Тестов"
)

// vkMintedScope is the scope recorded for tokens from MintVKToken: every
// permission that catalog sync needs.
const vkMintedScope = "photos,offline,groups,market"

// vkTokenBytes is the number of random bytes in a VK access token, which is
// sent as hexadecimal text.
const vkTokenBytes = 32

// vkToken is an issued VK access token.
type vkToken struct {
	userID  int64
	scope   string // comma-separated permission names
	issued  time.Time
	expires time.Time // zero for a token that never expires
	revoked bool
}

// tokenState is the state of an issued token as the control page shows it.
type tokenState int

const (
	tokenActive tokenState = iota
	tokenRevoked
	tokenExpired
)

func (t vkToken) state(now time.Time) tokenState {
	switch {
	case t.revoked:
		return tokenRevoked
	case !t.expires.IsZero() && !now.Before(t.expires):
		return tokenExpired
	}
	return tokenActive
}

// vkInjection is an error that the next API calls with one token receive.
type vkInjection struct {
	err       vkError
	remaining int
}

// MintVKToken issues an access token for u without the consent flow and
// stores u as the user's profile, replacing an earlier one. The token lives
// Config.VKTokenTTL, or never expires when that is zero.
func (s *Sandbox) MintVKToken(u VKUser) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vkUsers[u.ID] = u
	return s.issueVKTokenLocked(u.ID, vkMintedScope)
}

func (s *Sandbox) issueVKTokenLocked(userID int64, scope string) string {
	now := s.now()
	token := vkToken{userID: userID, scope: scope, issued: now}
	if s.cfg.VKTokenTTL > 0 {
		token.expires = now.Add(s.cfg.VKTokenTTL)
	}
	value := randomHex(vkTokenBytes)
	s.vkTokens[value] = token
	return value
}

// RevokeVKUser revokes every active token of the user and returns how many
// it revoked.
func (s *Sandbox) RevokeVKUser(userID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	revoked := 0
	for value, token := range s.vkTokens {
		if token.userID == userID && !token.revoked {
			token.revoked = true
			s.vkTokens[value] = token
			revoked++
		}
	}
	return revoked
}

// RevokeVKToken revokes one token. It returns false when the token is
// unknown or was already revoked.
func (s *Sandbox) RevokeVKToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.vkTokens[token]
	if !ok || t.revoked {
		return false
	}
	t.revoked = true
	s.vkTokens[token] = t
	return true
}

// SetVKUserDeactivated sets the account state that users.get reports. A
// deactivated owner's tokens get error 18 from every method except
// users.get. The state is VKUserActive, VKUserDeleted or VKUserBanned, and
// any other value panics.
func (s *Sandbox) SetVKUserDeactivated(userID int64, state string) {
	if err := validateVKDeactivated(state); err != nil {
		panic("sandbox.SetVKUserDeactivated: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.vkUsers[userID]
	u.ID = userID
	u.Deactivated = state
	s.vkUsers[userID] = u
}

func validateVKDeactivated(state string) error {
	switch state {
	case VKUserActive, VKUserDeleted, VKUserBanned:
		return nil
	}
	return fmt.Errorf("invalid deactivated state %q: expected %q, %q or %q", state, VKUserActive, VKUserDeleted, VKUserBanned)
}

// InjectVKError makes the next `times` API calls with token return the
// given VK error after the token check passes. The entries of extra are
// added to the error object, for example "captcha_sid" and "captcha_img"
// with error 14 or "redirect_uri" with error 17. A times of zero or less
// removes a pending injection.
func (s *Sandbox) InjectVKError(token string, code int, msg string, extra map[string]any, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if times <= 0 {
		delete(s.vkInjections, token)
		return
	}
	s.vkInjections[token] = vkInjection{
		err:       vkError{code: code, msg: msg, extra: maps.Clone(extra)},
		remaining: times,
	}
}

// takeVKInjection returns the injected error for token, if any, and counts
// one use of it.
func (s *Sandbox) takeVKInjection(token string) *vkError {
	s.mu.RLock()
	_, pending := s.vkInjections[token]
	s.mu.RUnlock()
	if !pending {
		return nil
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	injection, ok := s.vkInjections[token]
	if !ok {
		return nil
	}
	injection.remaining--
	if injection.remaining <= 0 {
		delete(s.vkInjections, token)
	} else {
		s.vkInjections[token] = injection
	}
	return &injection.err
}

// lookupVKToken returns an active token and its owner's profile.
func (s *Sandbox) lookupVKToken(value string, now time.Time) (vkToken, VKUser, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	token, ok := s.vkTokens[value]
	if !ok || token.state(now) != tokenActive {
		return vkToken{}, VKUser{}, false
	}
	user, ok := s.vkUsers[token.userID]
	if !ok {
		user = VKUser{ID: token.userID}
	}
	return token, user, true
}
