// Package catalogsync publishes the products of an Evotor store into the
// Market of the owner's VK community. A run streams the catalog page by
// page, uploads each distinct picture once and writes new and changed items
// in batches through VK's execute method. It records every VK item it
// creates right after each batch, so a run stopped at any point and run
// again creates no duplicates.
package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncsettings"
	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/seal"
	"github.com/evosync/evosync/internal/vk"
)

// Service runs catalog syncs and answers the questions of the sync page.
type Service struct {
	DB     *ent.Client
	Sealer *seal.Sealer
	VK     *vk.Client
	Evotor *evotor.Client
	Log    *slog.Logger
	// Now is the clock of run timestamps; tests replace it.
	Now func() time.Time
	// BatchSize is how many VK calls one execute request makes, from 1 to
	// vk.MaxExecuteCalls. Zero means vk.MaxExecuteCalls (25).
	BatchSize int
	// RetryDelay is the first wait before repeating a call that VK or
	// Evotor throttled or failed temporarily. Each retry waits twice as
	// long, up to maxRetryDelay. Zero means one second.
	RetryDelay time.Duration

	pictures pictureCache
}

// ErrRunInProgress is returned by CreateRun when the user already has a
// run that is queued or running.
var ErrRunInProgress = errors.New("a catalog sync run is already queued or running for this user")

// ConnectionError reports a provider connection that a sync cannot use.
// Message is Russian and meant for the shop owner.
type ConnectionError struct {
	Provider connection.Provider
	// State is "missing", "offline", "unchecked" or "unreadable".
	State   string
	Message string
}

func (e *ConnectionError) Error() string {
	return fmt.Sprintf("%s connection is %s", e.Provider, e.State)
}

// SettingsError reports sync settings that lack a choice a run needs.
// Message is Russian and meant for the shop owner.
type SettingsError struct {
	Missing []string // field names, e.g. "evotor_store_id"
	Message string
}

func (e *SettingsError) Error() string {
	return fmt.Sprintf("sync settings are incomplete: missing %v", e.Missing)
}

func (s *Service) batchSize() int {
	if s.BatchSize < 1 || s.BatchSize > vk.MaxExecuteCalls {
		return vk.MaxExecuteCalls
	}
	return s.BatchSize
}

// photoRound is how many distinct pictures a run uploads at once: one
// execute request of batchSize upload URLs, each taking vk.MaxBulkPhotos
// pictures, and one request that saves them.
func (s *Service) photoRound() int { return s.batchSize() * vk.MaxBulkPhotos }

func (s *Service) retryDelay() time.Duration {
	if s.RetryDelay <= 0 {
		return time.Second
	}
	return s.RetryDelay
}

// providerName is the provider's name as the sync page writes it.
func providerName(p connection.Provider) string {
	if p == connection.ProviderVk {
		return "ВКонтакте"
	}
	return "Эвотор"
}

// token opens the stored access token of the user's connection to a
// provider. With requireOnline, a connection whose first check has not
// finished is rejected too; otherwise only missing and offline ones are.
func (s *Service) token(ctx context.Context, userID int, provider connection.Provider,
	requireOnline bool) (string, error) {
	conn, err := s.DB.Connection.Query().
		Where(connection.UserID(userID), connection.ProviderEQ(provider)).
		Only(ctx)
	name := providerName(provider)
	switch {
	case ent.IsNotFound(err):
		return "", &ConnectionError{Provider: provider, State: "missing",
			Message: fmt.Sprintf("Аккаунт %s не подключён: подключите его на главной странице", name)}
	case err != nil:
		return "", fmt.Errorf("load %s connection of user %d: %w", provider, userID, err)
	case conn.IsOnline != nil && !*conn.IsOnline:
		return "", &ConnectionError{Provider: provider, State: "offline",
			Message: fmt.Sprintf("Подключение %s не работает: переподключите аккаунт", name)}
	case conn.IsOnline == nil && requireOnline:
		return "", &ConnectionError{Provider: provider, State: "unchecked",
			Message: fmt.Sprintf("Подключение %s ещё не проверено: подождите несколько минут и запустите синхронизацию снова", name)}
	}
	token, err := s.Sealer.Open(conn.AccessToken)
	if err != nil || token == "" {
		return "", &ConnectionError{Provider: provider, State: "unreadable",
			Message: fmt.Sprintf("Не удалось прочитать доступ к %s: переподключите аккаунт", name)}
	}
	return token, nil
}

// settings loads the user's sync settings; a user who never saved them
// gets empty ones.
func (s *Service) settings(ctx context.Context, userID int) (*ent.SyncSettings, error) {
	settings, err := s.DB.SyncSettings.Query().Where(syncsettings.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return &ent.SyncSettings{UserID: userID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load sync settings of user %d: %w", userID, err)
	}
	return settings, nil
}

// checkSettings returns a *SettingsError unless the settings name what a
// run of the kind needs: a community always, and for a sync also a store
// and a category.
func checkSettings(settings *ent.SyncSettings, needCatalog bool) error {
	var missing, labels []string
	if needCatalog && settings.EvotorStoreID == "" {
		missing = append(missing, syncsettings.FieldEvotorStoreID)
		labels = append(labels, "магазин Эвотор")
	}
	if settings.VkGroupID <= 0 {
		missing = append(missing, syncsettings.FieldVkGroupID)
		labels = append(labels, "сообщество ВКонтакте")
	}
	if needCatalog && settings.VkCategoryID <= 0 {
		missing = append(missing, syncsettings.FieldVkCategoryID)
		labels = append(labels, "категорию товаров ВКонтакте")
	}
	if len(missing) == 0 {
		return nil
	}
	return &SettingsError{Missing: missing, Message: "Настройки синхронизации не заполнены: выберите " + joinRussian(labels)}
}

// joinRussian joins items as "a, b и c".
func joinRussian(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := items[0]
	for _, item := range items[1 : len(items)-1] {
		out += ", " + item
	}
	return out + " и " + items[len(items)-1]
}

// Stores lists the user's Evotor stores.
func (s *Service) Stores(ctx context.Context, userID int) ([]evotor.Store, error) {
	token, err := s.token(ctx, userID, connection.ProviderEvotor, false)
	if err != nil {
		return nil, err
	}
	stores, err := s.Evotor.Stores(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("list Evotor stores of user %d: %w", userID, err)
	}
	return stores, nil
}

// AdminGroups lists the VK communities the user administers.
func (s *Service) AdminGroups(ctx context.Context, userID int) ([]vk.Group, error) {
	token, err := s.token(ctx, userID, connection.ProviderVk, false)
	if err != nil {
		return nil, err
	}
	groups, err := s.VK.AdminGroups(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("list VK communities of user %d: %w", userID, err)
	}
	return groups, nil
}

// Categories lists VK Market's product categories.
func (s *Service) Categories(ctx context.Context, userID int) ([]vk.Category, error) {
	token, err := s.token(ctx, userID, connection.ProviderVk, false)
	if err != nil {
		return nil, err
	}
	categories, err := s.VK.MarketCategories(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("list VK Market categories for user %d: %w", userID, err)
	}
	return categories, nil
}

// ProductGroups lists the product groups of one of the user's Evotor
// stores.
func (s *Service) ProductGroups(ctx context.Context, userID int, storeID string) ([]catalog.Group, error) {
	token, err := s.token(ctx, userID, connection.ProviderEvotor, false)
	if err != nil {
		return nil, err
	}
	var groups []catalog.Group
	err = s.Evotor.ProductGroups(ctx, token, storeID, func(g catalog.Group) error {
		groups = append(groups, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list product groups of Evotor store %s for user %d: %w", storeID, userID, err)
	}
	return groups, nil
}
