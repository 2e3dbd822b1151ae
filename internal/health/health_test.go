package health_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/connstatus"
	"github.com/evosync/evosync/internal/sandbox"
	"github.com/evosync/evosync/internal/testenv"
)

var userSeq atomic.Int64

// seedVK stores a connection holding a sandbox token for a new VK user.
func seedVK(t *testing.T, e *testenv.Env, vkID int64) (*ent.Connection, string) {
	t.Helper()
	token := e.Sandbox.MintVKToken(sandbox.VKUser{ID: vkID, FirstName: "Иван", LastName: "Тестов"})
	ctx := context.Background()
	u := e.App.Ent.User.Create().
		SetEmail(fmt.Sprintf("u%d@example.test", userSeq.Add(1))).
		SetPasswordHash("x").
		SaveX(ctx)
	c := e.App.Ent.Connection.Create().
		SetUserID(u.ID).
		SetProvider(connection.ProviderVk).
		SetAccessToken(e.App.Sealer.Seal(token)).
		SetAccountID(strconv.FormatInt(vkID, 10)).
		SetIsOnline(true).
		SaveX(ctx)
	return c, token
}

// seedEvotor stores a connection holding sandbox tokens for an Evotor user.
func seedEvotor(t *testing.T, e *testenv.Env, userID string, expiresAt *time.Time) (*ent.Connection, string) {
	t.Helper()
	access, refresh := e.Sandbox.MintEvotorToken(userID)
	ctx := context.Background()
	u := e.App.Ent.User.Create().
		SetEmail(fmt.Sprintf("u%d@example.test", userSeq.Add(1))).
		SetPasswordHash("x").
		SaveX(ctx)
	c := e.App.Ent.Connection.Create().
		SetUserID(u.ID).
		SetProvider(connection.ProviderEvotor).
		SetAccessToken(e.App.Sealer.Seal(access)).
		SetRefreshToken(e.App.Sealer.Seal(refresh)).
		SetNillableTokenExpiresAt(expiresAt).
		SetAccountID(userID).
		SetIsOnline(true).
		SaveX(ctx)
	return c, access
}

func reload(t *testing.T, e *testenv.Env, id int) *ent.Connection {
	t.Helper()
	return e.App.Ent.Connection.GetX(context.Background(), id)
}

func check(t *testing.T, e *testenv.Env, id int) *ent.Connection {
	t.Helper()
	if _, err := e.App.Health.CheckByID(context.Background(), id); err != nil {
		t.Fatalf("check connection %d: %v", id, err)
	}
	return reload(t, e, id)
}

func TestVKVerdictSequence(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	conn, token := seedVK(t, e, 424242)

	e.Sandbox.InjectVKError(token, 5, "User authorization failed: invalid access_token (4).", nil, 1)
	got := check(t, e, conn.ID)
	if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != connstatus.ReasonRevoked {
		t.Errorf("after error 5: %s (%s), want offline (revoked)", connstatus.Of(got), got.OfflineReason)
	}

	for _, outage := range []sandbox.Outage{sandbox.OutageHTML502, sandbox.OutageHTML200, sandbox.OutageBrokenJSON} {
		e.Clock.Advance(time.Minute)
		e.Sandbox.SetOutage("vk", outage)
		got = check(t, e, conn.ID)
		if connstatus.Of(got) != connstatus.Offline {
			t.Errorf("outage %d changed the status to %s", outage, connstatus.Of(got))
		}
		if got.LastErrorCode == "" || got.LastError == "" {
			t.Errorf("outage %d: no last error recorded", outage)
		}
		if !got.LastCheckedAt.Equal(e.Clock.Now()) {
			t.Errorf("outage %d: last_checked_at = %v, want %v", outage, got.LastCheckedAt, e.Clock.Now())
		}
	}

	e.Sandbox.SetOutage("vk", sandbox.OutageNone)
	got = check(t, e, conn.ID)
	if connstatus.Of(got) != connstatus.Online {
		t.Errorf("after a good answer: %s, want online", connstatus.Of(got))
	}
	if got.LastErrorCode != "" || got.OfflineReason != "" {
		t.Errorf("error %q and reason %q not cleared", got.LastErrorCode, got.OfflineReason)
	}
	if got.FirstName != "Иван" {
		t.Errorf("first name = %q", got.FirstName)
	}
}

func TestVKRejections(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		reason string
	}{
		{"token expired", 1117, connstatus.ReasonRevoked},
		{"app authorization", 28, connstatus.ReasonAppAuthFailed},
		{"user deactivated", 18, connstatus.ReasonDeactivated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testenv.New(t, testenv.Options{})
			conn, token := seedVK(t, e, 1)
			e.Sandbox.InjectVKError(token, tt.code, "rejected", nil, 1)

			got := check(t, e, conn.ID)

			if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != tt.reason {
				t.Errorf("got %s (%s), want offline (%s)", connstatus.Of(got), got.OfflineReason, tt.reason)
			}
		})
	}
}

func TestVKDeactivatedOwnerIsOffline(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	conn, _ := seedVK(t, e, 77)
	e.Sandbox.SetVKUserDeactivated(77, "banned")

	got := check(t, e, conn.ID)

	if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != connstatus.ReasonDeactivated {
		t.Errorf("got %s (%s), want offline (deactivated)", connstatus.Of(got), got.OfflineReason)
	}
}

func TestVKRevokedInSandboxGoesOffline(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	conn, _ := seedVK(t, e, 55)
	e.Sandbox.RevokeVKUser(55)

	got := check(t, e, conn.ID)

	if connstatus.Of(got) != connstatus.Offline {
		t.Errorf("got %s, want offline", connstatus.Of(got))
	}
}

func TestThrottlingIsNotAVerdict(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	var captcha, validation int
	for i := range 50 {
		conn, token := seedVK(t, e, int64(1000+i))
		switch {
		case i < 20:
			e.Sandbox.InjectVKError(token, 6, "Too many requests per second", nil, 1)
		case i == 20:
			captcha = conn.ID
			e.Sandbox.InjectVKError(token, 14, "Captcha needed", map[string]any{"captcha_sid": "548756", "captcha_img": "https://api.vk.com/captcha.php?sid=548756"}, 1000)
		case i == 21:
			validation = conn.ID
			e.Sandbox.InjectVKError(token, 17, "Validation required", map[string]any{"redirect_uri": "https://m.vk.com/login?act=security_check"}, 1000)
		}
	}
	slot := e.Clock.Now().Truncate(10 * time.Minute)
	e.Clock.Advance(time.Minute)

	stats, err := e.App.Health.Sweep(context.Background(), slot.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}

	if stats.Checked != 50 || stats.Offline != 0 {
		t.Errorf("stats = %+v, want 50 checked, none offline", stats)
	}
	all := e.App.Ent.Connection.Query().AllX(context.Background())
	for _, c := range all {
		if connstatus.Of(c) != connstatus.Online {
			t.Errorf("connection %d became %s", c.ID, connstatus.Of(c))
		}
	}
	if got := reload(t, e, captcha).LastErrorCode; got != connstatus.ErrCaptcha {
		t.Errorf("captcha connection error = %q", got)
	}
	if got := reload(t, e, validation).LastErrorCode; got != connstatus.ErrValidation {
		t.Errorf("validation connection error = %q", got)
	}
	if !connstatus.NeedsAttention(connstatus.ErrCaptcha) || !connstatus.NeedsAttention(connstatus.ErrValidation) {
		t.Error("captcha and validation are not marked as needing attention")
	}
	// 50 first calls plus one retry for each of the 20 throttled tokens;
	// captcha and validation are not retried.
	if got := e.Sandbox.CallCount("vk", "users.get"); got != 70 {
		t.Errorf("users.get calls = %d, want 70", got)
	}
}

func TestVKExpiryWithoutAskingVK(t *testing.T) {
	e := testenv.New(t, testenv.Options{Sandbox: func(c *sandbox.Config) { c.VKTokenTTL = 86400 * time.Second }})
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", nil)
	conn := e.App.Ent.Connection.Query().OnlyX(context.Background())
	if conn.TokenExpiresAt == nil || !conn.TokenExpiresAt.Equal(e.Clock.Now().Add(86400*time.Second)) {
		t.Fatalf("expiry = %v, want issue time + 86400 s", conn.TokenExpiresAt)
	}
	calls := e.Sandbox.CallCount("vk", "users.get")

	e.Clock.Advance(86401 * time.Second)
	got := check(t, e, conn.ID)

	if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != connstatus.ReasonExpired {
		t.Errorf("got %s (%s), want offline (expired)", connstatus.Of(got), got.OfflineReason)
	}
	if n := e.Sandbox.CallCount("vk", "users.get"); n != calls {
		t.Errorf("VK was asked %d times about an expired token", n-calls)
	}
}

func TestEvotorVerdicts(t *testing.T) {
	e := testenv.New(t, testenv.Options{Vars: map[string]string{"PROVIDER_TIMEOUT": "300ms"}})
	conn, access := seedEvotor(t, e, "01-000000000000101", nil)

	got := check(t, e, conn.ID)
	if connstatus.Of(got) != connstatus.Online || len(got.StoreNames) != 2 {
		t.Errorf("200: %s with stores %v, want online with two stores", connstatus.Of(got), got.StoreNames)
	}

	for _, outage := range []sandbox.Outage{sandbox.OutageServerError, sandbox.OutageTimeout, sandbox.OutageRateLimit} {
		e.Sandbox.SetOutage("evotor", outage)
		got = check(t, e, conn.ID)
		if connstatus.Of(got) != connstatus.Online || got.LastErrorCode == "" {
			t.Errorf("outage %d: %s with error %q, want online with an error", outage, connstatus.Of(got), got.LastErrorCode)
		}
	}
	e.Sandbox.SetOutage("evotor", sandbox.OutageNone)

	e.Sandbox.RevokeEvotorToken(access)
	got = check(t, e, conn.ID)
	if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != connstatus.ReasonRevoked {
		t.Errorf("401: %s (%s), want offline (revoked)", connstatus.Of(got), got.OfflineReason)
	}

	removed, _ := seedEvotor(t, e, "01-000000000000102", nil)
	e.Sandbox.SetEvotorAppRemoved("01-000000000000102", true)
	got = check(t, e, removed.ID)
	if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != connstatus.ReasonNoAccess {
		t.Errorf("403: %s (%s), want offline (no_access)", connstatus.Of(got), got.OfflineReason)
	}
}

func TestEvotorRefreshBeforeExpiry(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	soon := e.Clock.Now().Add(2 * time.Hour)
	conn, access := seedEvotor(t, e, "01-000000000000201", &soon)

	got := check(t, e, conn.ID)

	if connstatus.Of(got) != connstatus.Online {
		t.Fatalf("got %s (%s %s), want online", connstatus.Of(got), got.OfflineReason, got.LastError)
	}
	newAccess, err := e.App.Sealer.Open(got.AccessToken)
	if err != nil || newAccess == access {
		t.Errorf("access token not replaced by the refresh")
	}
	if got.TokenExpiresAt == nil || !got.TokenExpiresAt.After(soon) {
		t.Errorf("expiry = %v, want later than %v", got.TokenExpiresAt, soon)
	}
	if n := e.Sandbox.CallCount("evotor", "token"); n != 1 {
		t.Errorf("token endpoint calls = %d, want 1", n)
	}
}

func TestEvotorRefusedRefreshIsOffline(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	soon := e.Clock.Now().Add(2 * time.Hour)
	conn, _ := seedEvotor(t, e, "01-000000000000301", &soon)
	e.Sandbox.RevokeEvotorUser("01-000000000000301")

	got := check(t, e, conn.ID)

	if connstatus.Of(got) != connstatus.Offline || got.OfflineReason != connstatus.ReasonRefreshRejected {
		t.Errorf("got %s (%s), want offline (refresh_rejected)", connstatus.Of(got), got.OfflineReason)
	}
}
