package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Client credentials that the sandbox accepts when the caller sets none.
// cmd/sandbox and the product's local configuration use the same values.
const (
	DefaultVKClientID         = "sandbox-vk-app"
	DefaultVKClientSecret     = "sandbox-vk-secret"
	DefaultEvotorClientID     = "sandbox-evotor-app"
	DefaultEvotorClientSecret = "sandbox-evotor-secret"
)

// Provider names accepted by SetOutage and CallCount.
const (
	ProviderVK     = "vk"
	ProviderEvotor = "evotor"
)

// defaultEvotorTokenTTL is the lifetime of Evotor's example client (604800 s).
const defaultEvotorTokenTTL = 7 * 24 * time.Hour

// Config contains the registered clients and the token lifetimes of a Sandbox.
type Config struct {
	// Client credentials of the one registered app per provider. An empty
	// value means the matching Default* constant.
	VKClientID, VKClientSecret         string
	EvotorClientID, EvotorClientSecret string

	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	// EvotorTokenTTL is the access token lifetime sent as expires_in.
	// Zero means 7 days.
	EvotorTokenTTL time.Duration

	// VKTokenTTL is the VK access token lifetime. Zero means offline tokens
	// that never expire and are issued with expires_in 0.
	VKTokenTTL time.Duration

	// CatalogSize is the number of products generated for each Evotor store
	// on its first use. Zero means 40 and a negative value means none.
	CatalogSize int

	// EvotorPageSize is the number of items per page of Evotor's product
	// and product group lists. Zero or less means 100.
	EvotorPageSize int

	// MarketItemLimit is the maximum number of VK Market items per
	// community, beyond which market.add returns error 1405. Zero or less
	// means 15000.
	MarketItemLimit int
}

// Sandbox is an in-memory stand-in for VK's and Evotor's OAuth servers and
// APIs. All methods are safe for concurrent use.
type Sandbox struct {
	cfg Config

	// mu guards the token, code, user and injection maps below.
	mu            sync.RWMutex
	vkCodes       map[string]vkCode
	vkTokens      map[string]vkToken
	vkUsers       map[int64]VKUser
	vkInjections  map[string]vkInjection
	evotorCodes   map[string]evotorCode
	evotorAccess  map[string]*evotorGrant
	evotorRefresh map[string]*evotorGrant
	evotorUsers   map[string]*evotorUser
	// evotorStoreOwners maps every store id to the id of its user.
	evotorStoreOwners map[string]string

	vkRate     *slidingWindowLimiter
	evotorRate *fixedWindowLimiter

	outages [2]atomic.Int32 // indexed by providerIndex
	latency atomic.Int64    // nanoseconds

	countsMu sync.Mutex
	counts   map[callKey]int

	// catalogMu guards catalogs. It is never held together with mu.
	catalogMu sync.Mutex
	catalogs  evotorCatalogs

	// marketMu guards market. It is never held together with mu.
	marketMu sync.Mutex
	market   vkMarket
}

// callKey identifies a counter of CallCount.
type callKey struct {
	provider, method string
}

// CatalogSizeFromEnv reads SANDBOX_CATALOG_SIZE, the number of products
// seeded per Evotor store; unset or invalid means the default.
func CatalogSizeFromEnv() int {
	n, err := strconv.Atoi(os.Getenv("SANDBOX_CATALOG_SIZE"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// New returns a Sandbox with no tokens issued.
func New(cfg Config) *Sandbox {
	setDefault(&cfg.VKClientID, DefaultVKClientID)
	setDefault(&cfg.VKClientSecret, DefaultVKClientSecret)
	setDefault(&cfg.EvotorClientID, DefaultEvotorClientID)
	setDefault(&cfg.EvotorClientSecret, DefaultEvotorClientSecret)
	if cfg.EvotorTokenTTL == 0 {
		cfg.EvotorTokenTTL = defaultEvotorTokenTTL
	}
	if cfg.CatalogSize == 0 {
		cfg.CatalogSize = defaultCatalogSize
	}
	if cfg.EvotorPageSize <= 0 {
		cfg.EvotorPageSize = defaultEvotorPageSize
	}
	if cfg.MarketItemLimit <= 0 {
		cfg.MarketItemLimit = defaultMarketItemLimit
	}
	s := &Sandbox{
		cfg:               cfg,
		vkCodes:           make(map[string]vkCode),
		vkTokens:          make(map[string]vkToken),
		vkUsers:           make(map[int64]VKUser),
		vkInjections:      make(map[string]vkInjection),
		evotorCodes:       make(map[string]evotorCode),
		evotorAccess:      make(map[string]*evotorGrant),
		evotorRefresh:     make(map[string]*evotorGrant),
		evotorUsers:       make(map[string]*evotorUser),
		evotorStoreOwners: make(map[string]string),
		vkRate:            newSlidingWindowLimiter(time.Second),
		evotorRate:        newFixedWindowLimiter(evotorCallsPerWindow, evotorRateWindow),
		counts:            make(map[callKey]int),
		catalogs:          newEvotorCatalogs(),
	}
	s.market = newVKMarket(s.now())
	return s
}

// Handler returns the HTTP handler that serves every sandbox route at the root.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	s.registerVKOAuthRoutes(mux)
	s.registerVKAPIRoutes(mux)
	s.registerEvotorOAuthRoutes(mux)
	s.registerEvotorAPIRoutes(mux)
	s.registerEvotorCatalogRoutes(mux)
	s.registerVKUploadRoutes(mux)
	s.registerControlRoutes(mux)
	s.registerCatalogPageRoutes(mux)
	return mux
}

func setDefault(value *string, fallback string) {
	if *value == "" {
		*value = fallback
	}
}

func (s *Sandbox) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// countCall increments the counter that CallCount reads.
func (s *Sandbox) countCall(provider, method string) {
	s.countsMu.Lock()
	s.counts[callKey{provider, method}]++
	s.countsMu.Unlock()
}

// CallCount returns how many requests reached the endpoint since New or the
// last ResetCounts. For VK, the method is an API method name,
// "access_token" for the code exchange or "upload" for the photo upload
// endpoint. Each call inside an execute counts for its own method, besides
// the one count of "execute". For Evotor, the method is "token" for the
// token endpoint or the name of an API route: "stores", "products",
// "product-groups", "images" (a product's image list) or "image" (the PNG
// file). Requests that got an outage or error response count too.
func (s *Sandbox) CallCount(provider, method string) int {
	s.countsMu.Lock()
	defer s.countsMu.Unlock()
	return s.counts[callKey{provider, method}]
}

// ResetCounts sets every CallCount counter to zero.
func (s *Sandbox) ResetCounts() {
	s.countsMu.Lock()
	clear(s.counts)
	s.countsMu.Unlock()
}

// randomHex returns 2*n random hexadecimal characters.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24.
	return hex.EncodeToString(b)
}

// randomUUID returns a random version 4 UUID in lowercase text form.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// writeJSON sends v as a JSON body with the given status. The Content-Type
// is application/json unless the caller has set one.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the JSON response failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
