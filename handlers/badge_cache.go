package handlers

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
)

// maxCachedBadges bounds the rendered-badge cache; when full it is
// emptied and refilled by the next polls.
const maxCachedBadges = 10_000

// badgeCache keeps rendered badge fragments by everything they show. A
// connection's badge changes only when a check writes its row, while its
// dashboard polls it every few seconds, so most polls reuse a rendering.
type badgeCache struct {
	mu      sync.RWMutex
	entries map[string][]byte
}

func newBadgeCache() *badgeCache {
	return &badgeCache{entries: map[string][]byte{}}
}

// key lists every field the badge template prints.
func (bc *badgeCache) key(b badgeView) string {
	return strings.Join([]string{
		b.Provider, string(b.Status), b.LastCheckedISO, b.OfflineReason, b.Warning,
		strconv.FormatBool(b.Attention), b.Presence, b.Poll,
	}, "\x00")
}

func (bc *badgeCache) get(key string) ([]byte, bool) {
	bc.mu.RLock()
	defer bc.mu.RUnlock()
	body, ok := bc.entries[key]
	return body, ok
}

func (bc *badgeCache) put(key string, body []byte) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if len(bc.entries) >= maxCachedBadges {
		bc.entries = map[string][]byte{}
	}
	bc.entries[key] = bytes.Clone(body)
}
