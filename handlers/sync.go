package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/ent/syncsettings"
	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/vk"
	"github.com/evosync/evosync/workers"
)

// historyLength is how many past runs the sync page lists.
const historyLength = 10

// previewRows caps the preview table; the counts cover every product.
const previewRows = 300

type syncPage struct {
	Layout
	Settings      *ent.SyncSettings
	Stores        []evotor.Store
	Groups        []vk.Group
	Categories    []vk.Category
	ProductGroups []productGroupOption
	OptionsError  string // Russian, when a provider could not list the options
	Message       string
	Success       bool
	Active        *runView
	History       []runView
	Ready         bool // settings are complete, a run can start
}

type productGroupOption struct {
	ID, Name string
	Checked  bool
}

func (h *Handler) loadSettings(c *gin.Context) (*ent.SyncSettings, error) {
	s, err := h.DB.SyncSettings.Query().Where(syncsettings.UserID(userID(c))).Only(c.Request.Context())
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load sync settings: %w", err)
	}
	return s, nil
}

func (h *Handler) showSync(c *gin.Context) error {
	if c.Query("saved") == "1" {
		return h.renderSync(c, http.StatusOK, "Настройки сохранены.", true)
	}
	return h.renderSync(c, http.StatusOK, "", false)
}

// renderSync renders the sync page with a Russian message above it, a
// success or a warning.
func (h *Handler) renderSync(c *gin.Context, status int, message string, success bool) error {
	page := syncPage{Layout: h.layout(c, "Синхронизация"), Message: message, Success: success}
	page.Nav = "sync"
	settings, err := h.loadSettings(c)
	if err != nil {
		return err
	}
	page.Settings = settings
	page.Ready = settings != nil && settings.EvotorStoreID != "" && settings.VkGroupID != 0 && settings.VkCategoryID != 0
	if err := h.loadSyncOptions(c, &page); err != nil {
		h.Log.Warn("list sync options", "error", err, "user_id", userID(c), "request_id", requestID(c))
		page.OptionsError = catalogsync.UserMessage(err)
	}
	if page.History, page.Active, err = h.runHistory(c); err != nil {
		return err
	}
	return h.renderStatus(c, status, "sync", page)
}

// loadSyncOptions requests stores, communities, categories and the chosen
// store's product groups from the providers. Each list is requested even
// when another failed, so one broken connection empties only its own
// fields. It returns the first error.
func (h *Handler) loadSyncOptions(c *gin.Context, page *syncPage) error {
	ctx, cancel := withTimeout(c)
	defer cancel()
	uid := userID(c)
	var errs []error
	var err error
	if page.Stores, err = h.Sync.Stores(ctx, uid); err != nil {
		errs = append(errs, err)
	}
	if page.Groups, err = h.Sync.AdminGroups(ctx, uid); err != nil {
		errs = append(errs, err)
	}
	if page.Categories, err = h.Sync.Categories(ctx, uid); err != nil {
		errs = append(errs, err)
	}
	storeID := ""
	if page.Settings != nil {
		storeID = page.Settings.EvotorStoreID
	}
	if storeID == "" && len(page.Stores) > 0 {
		storeID = page.Stores[0].ID
	}
	if storeID != "" && len(page.Stores) > 0 {
		groups, err := h.Sync.ProductGroups(ctx, uid, storeID)
		if err != nil {
			errs = append(errs, err)
		}
		page.ProductGroups = productGroupOptions(groups, page.Settings)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func productGroupOptions(groups []catalog.Group, settings *ent.SyncSettings) []productGroupOption {
	chosen := map[string]bool{}
	if settings != nil {
		for _, id := range settings.ProductGroupIds {
			chosen[id] = true
		}
	}
	out := make([]productGroupOption, 0, len(groups))
	for _, g := range groups {
		out = append(out, productGroupOption{ID: g.ID, Name: g.Name, Checked: chosen[g.ID]})
	}
	return out
}

// syncChoice is a validated settings form.
type syncChoice struct {
	store         evotor.Store
	group         vk.Group
	categoryID    int
	productGroups []string
}

// saveSyncSettings stores the form after checking every value against
// what the providers offer this user, so a forged or stale form cannot
// point a sync at someone else's store or community.
func (h *Handler) saveSyncSettings(c *gin.Context) error {
	choice, err := h.validateSyncForm(c)
	var rejected *appError
	if errors.As(err, &rejected) && rejected.Message != "" {
		// The owner stays on the sync page and reads why, instead of an
		// error page without the form.
		h.Log.Warn("sync settings rejected", "status", rejected.Status, "reason", rejected.Message,
			"error", rejected.Err, "user_id", userID(c), "request_id", requestID(c))
		return h.renderSync(c, rejected.Status, rejected.Message, false)
	}
	if err != nil {
		return err
	}
	err = h.DB.SyncSettings.Create().
		SetUserID(userID(c)).
		SetEvotorStoreID(choice.store.ID).
		SetEvotorStoreName(choice.store.Name).
		SetVkGroupID(choice.group.ID).
		SetVkGroupName(choice.group.Name).
		SetVkCategoryID(choice.categoryID).
		SetProductGroupIds(choice.productGroups).
		SetScheduleEnabled(c.PostForm("schedule_enabled") == "on").
		OnConflictColumns(syncsettings.FieldUserID).
		UpdateNewValues().
		Exec(c.Request.Context())
	if err != nil {
		return fmt.Errorf("save sync settings: %w", err)
	}
	h.Log.Info("sync settings saved", "user_id", userID(c), "request_id", requestID(c))
	c.Redirect(http.StatusSeeOther, "/sync?saved=1")
	return nil
}

// validateSyncForm reads the settings form and checks each value against
// the provider lists; the error carries a Russian message.
func (h *Handler) validateSyncForm(c *gin.Context) (syncChoice, error) {
	var choice syncChoice
	groupID, errGroup := strconv.ParseInt(c.PostForm("vk_group_id"), 10, 64)
	categoryID, errCategory := strconv.Atoi(c.PostForm("vk_category_id"))
	storeID := strings.TrimSpace(c.PostForm("evotor_store_id"))
	if storeID == "" || errGroup != nil || errCategory != nil {
		return choice, userError(http.StatusUnprocessableEntity, "Выберите магазин Эвотор, сообщество ВКонтакте и категорию товаров.")
	}
	chosenGroups := c.PostFormArray("product_group_ids")
	if len(chosenGroups) > maxProductGroups {
		return choice, userError(http.StatusUnprocessableEntity, "Слишком много групп товаров в форме.")
	}
	page := syncPage{}
	if err := h.loadSyncOptions(c, &page); err != nil {
		return choice, &appError{Status: http.StatusBadGateway, Message: catalogsync.UserMessage(err), Err: err}
	}
	var ok bool
	if choice.store, ok = findStore(page.Stores, storeID); !ok {
		return choice, userError(http.StatusUnprocessableEntity, "Такого магазина нет в вашем аккаунте Эвотор. Обновите страницу и выберите магазин из списка.")
	}
	if choice.group, ok = findGroup(page.Groups, groupID); !ok {
		return choice, userError(http.StatusUnprocessableEntity, "Вы не администрируете такое сообщество ВКонтакте. Обновите страницу и выберите сообщество из списка.")
	}
	if !choice.group.MarketEnabled {
		return choice, userError(http.StatusUnprocessableEntity, "В этом сообществе выключены товары. Включите раздел «Товары» в настройках сообщества ВКонтакте или выберите другое сообщество.")
	}
	if !hasCategory(page.Categories, categoryID) {
		return choice, userError(http.StatusUnprocessableEntity, "Такой категории товаров ВКонтакте нет. Обновите страницу и выберите категорию из списка.")
	}
	groups, err := h.Sync.ProductGroups(c.Request.Context(), userID(c), choice.store.ID)
	if err != nil {
		return choice, &appError{Status: http.StatusBadGateway, Message: catalogsync.UserMessage(err), Err: err}
	}
	known := map[string]bool{}
	for _, g := range groups {
		known[g.ID] = true
	}
	for _, id := range chosenGroups {
		if !known[id] {
			return choice, userError(http.StatusUnprocessableEntity, "Отмеченной группы товаров нет в выбранном магазине. Обновите страницу и отметьте группы заново.")
		}
	}
	choice.categoryID, choice.productGroups = categoryID, chosenGroups
	return choice, nil
}

// maxProductGroups bounds the form; real stores have far fewer groups.
const maxProductGroups = 1000

func findStore(stores []evotor.Store, id string) (evotor.Store, bool) {
	for _, s := range stores {
		if s.ID == id {
			return s, true
		}
	}
	return evotor.Store{}, false
}

func findGroup(groups []vk.Group, id int64) (vk.Group, bool) {
	for _, g := range groups {
		if g.ID == id {
			return g, true
		}
	}
	return vk.Group{}, false
}

func hasCategory(categories []vk.Category, id int) bool {
	for _, c := range categories {
		if int(c.ID) == id {
			return true
		}
	}
	return false
}

// showProductGroups renders the product group checkboxes of one store,
// for when the owner picks another store.
func (h *Handler) showProductGroups(c *gin.Context) error {
	ctx, cancel := withTimeout(c)
	defer cancel()
	settings, err := h.loadSettings(c)
	if err != nil {
		return err
	}
	groups, err := h.Sync.ProductGroups(ctx, userID(c), c.Query("evotor_store_id"))
	if err != nil {
		return &appError{Status: http.StatusBadGateway, Message: catalogsync.UserMessage(err), Err: err}
	}
	return h.renderPartial(c, "product_groups", productGroupOptions(groups, settings))
}

type previewView struct {
	Entries   []catalogsync.PlanEntry
	Counts    []actionCount
	Truncated int
}

type actionCount struct {
	Label string
	Count int
}

var actionLabels = []struct {
	Action catalog.Action
	Label  string
}{
	{catalog.ActionCreate, "будет создано"},
	{catalog.ActionUpdate, "будет обновлено"},
	{catalog.ActionHide, "будет скрыто"},
	{catalog.ActionRemove, "будет удалено"},
	{catalog.ActionUnchanged, "без изменений"},
}

// ActionText names a plan action in Russian.
func actionText(a catalog.Action) string {
	for _, l := range actionLabels {
		if l.Action == a {
			return l.Label
		}
	}
	return string(a)
}

// preview runs the dry run: nothing is written to VK.
func (h *Handler) preview(c *gin.Context) error {
	ctx, cancel := withTimeout(c)
	defer cancel()
	plan, err := h.Sync.Preview(ctx, userID(c))
	if err != nil {
		return &appError{Status: http.StatusBadGateway, Message: catalogsync.UserMessage(err), Err: err}
	}
	view := previewView{Entries: plan.Entries}
	if len(view.Entries) > previewRows {
		view.Truncated = len(view.Entries) - previewRows
		view.Entries = view.Entries[:previewRows]
	}
	for _, l := range actionLabels {
		view.Counts = append(view.Counts, actionCount{Label: l.Label, Count: plan.Counts[l.Action]})
	}
	return h.renderPartial(c, "preview", view)
}

// startRun queues a sync or a cleanup. A second request while one runs
// gets 409 with a message saying so.
func (h *Handler) startRun(c *gin.Context, kind syncrun.Kind) error {
	run, err := h.Sync.CreateRun(c.Request.Context(), userID(c), kind, syncrun.TriggerManual)
	if errors.Is(err, catalogsync.ErrRunInProgress) {
		return h.showActiveRun(c)
	}
	if err != nil {
		return err
	}
	task, err := workers.NewCatalogSyncTask(run.ID)
	if err != nil {
		return err
	}
	if _, err := h.Queue.EnqueueContext(c.Request.Context(), task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		err = fmt.Errorf("enqueue run %d: %w", run.ID, err)
		if abandonErr := h.Sync.Abandon(c.Request.Context(), run.ID, err); abandonErr != nil {
			h.Log.Error("mark unqueued run failed", "run_id", run.ID, "error", abandonErr, "request_id", requestID(c))
		}
		return err
	}
	h.Log.Info("sync run queued", "run_id", run.ID, "kind", kind.String(), "user_id", userID(c), "request_id", requestID(c))
	if !isHTMX(c) {
		c.Redirect(http.StatusSeeOther, "/sync")
		return nil
	}
	return h.renderPartial(c, "run_progress", newRunView(run, h.Now()))
}

// msgRunInProgress is the reply to a request to start a run while one is
// queued or running.
const msgRunInProgress = "Синхронизация уже идёт. Дождитесь её окончания."

// showActiveRun responds to a second start while a run is in progress
// with 409. An htmx request gets that run's progress bar with a notice, which
// the page shows in place of the action's output and goes on polling.
func (h *Handler) showActiveRun(c *gin.Context) error {
	_, active, err := h.runHistory(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) || active == nil {
		return userError(http.StatusConflict, msgRunInProgress)
	}
	h.Log.Warn("sync run already in progress", "run_id", active.ID, "user_id", userID(c), "request_id", requestID(c))
	active.Notice = msgRunInProgress
	return h.renderPartialStatus(c, http.StatusConflict, "run_progress", *active)
}

func (h *Handler) runSync(c *gin.Context) error    { return h.startRun(c, syncrun.KindSync) }
func (h *Handler) runCleanup(c *gin.Context) error { return h.startRun(c, syncrun.KindCleanup) }

// showRunProgress renders the progress fragment the page polls while a
// run is queued or running.
func (h *Handler) showRunProgress(c *gin.Context) error {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return userError(http.StatusNotFound, "Запуск не найден.")
	}
	run, err := h.DB.SyncRun.Query().Where(syncrun.ID(id), syncrun.UserID(userID(c))).Only(c.Request.Context())
	if ent.IsNotFound(err) {
		return userError(http.StatusNotFound, "Запуск не найден.")
	}
	if err != nil {
		return fmt.Errorf("load run %d: %w", id, err)
	}
	view := newRunView(run, h.Now())
	if view.Finished {
		// The history below the progress bar gains this run.
		c.Header("HX-Trigger", "sync-finished")
	}
	return h.renderPartial(c, "run_progress", view)
}

// showHistory renders the history fragment.
func (h *Handler) showHistory(c *gin.Context) error {
	history, _, err := h.runHistory(c)
	if err != nil {
		return err
	}
	return h.renderPartial(c, "run_history", history)
}

func (h *Handler) runHistory(c *gin.Context) ([]runView, *runView, error) {
	runs, err := h.DB.SyncRun.Query().
		Where(syncrun.UserID(userID(c))).
		Order(ent.Desc(syncrun.FieldCreatedAt), ent.Desc(syncrun.FieldID)).
		Limit(historyLength).
		All(c.Request.Context())
	if err != nil {
		return nil, nil, fmt.Errorf("load sync history: %w", err)
	}
	now := h.Now()
	var active *runView
	views := make([]runView, 0, len(runs))
	for _, r := range runs {
		v := newRunView(r, now)
		if !v.Finished && active == nil {
			active = &v
		}
		views = append(views, v)
	}
	return views, active, nil
}

// runView is one run as the progress bar and the history show it.
type runView struct {
	ID                                                   int
	Kind                                                 string
	Trigger                                              string
	Status                                               string
	StatusRU                                             string
	Finished                                             bool
	Percent                                              int
	Processed                                            int
	Total                                                int
	Started                                              *time.Time
	Duration                                             string
	Message                                              string
	Created, Updated, Hidden, Removed, Unchanged, Failed int
	Failures                                             []failureView
	// Notice is a Russian line shown above the progress bar once.
	Notice string
}

type failureView struct{ Name, Message string }

var runStatusTexts = map[syncrun.Status]string{
	syncrun.StatusQueued:    "в очереди",
	syncrun.StatusRunning:   "выполняется",
	syncrun.StatusSucceeded: "завершена",
	syncrun.StatusFailed:    "остановлена с ошибкой",
	syncrun.StatusSkipped:   "пропущена",
}

// cleanupStatusTexts agree with "удаление" (neuter) instead of
// "синхронизация" (feminine).
var cleanupStatusTexts = map[syncrun.Status]string{
	syncrun.StatusQueued:    "в очереди",
	syncrun.StatusRunning:   "выполняется",
	syncrun.StatusSucceeded: "завершено",
	syncrun.StatusFailed:    "остановлено с ошибкой",
	syncrun.StatusSkipped:   "пропущено",
}

func newRunView(r *ent.SyncRun, now time.Time) runView {
	v := runView{
		ID: r.ID, Kind: r.Kind.String(), Trigger: r.Trigger.String(), Status: r.Status.String(),
		StatusRU: runStatusTexts[r.Status], Processed: r.Processed, Total: r.Total, Started: r.StartedAt,
		Message: r.Message, Created: r.Created, Updated: r.Updated, Hidden: r.Hidden, Removed: r.Removed,
		Unchanged: r.Unchanged, Failed: r.Failed,
	}
	if r.Kind == syncrun.KindCleanup {
		v.StatusRU = cleanupStatusTexts[r.Status]
	}
	v.Finished = r.Status != syncrun.StatusQueued && r.Status != syncrun.StatusRunning
	if r.Total > 0 {
		v.Percent = min(100, r.Processed*100/r.Total)
	}
	if r.Status == syncrun.StatusSucceeded {
		v.Percent = 100
	}
	if r.StartedAt != nil {
		end := now
		if r.FinishedAt != nil {
			end = *r.FinishedAt
		}
		v.Duration = formatDuration(end.Sub(*r.StartedAt))
	}
	for _, f := range r.Failures {
		v.Failures = append(v.Failures, failureView{Name: f.Name, Message: f.Message})
	}
	return v
}

// formatDuration renders "2 мин 05 с" or "12 с".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d с", int(d.Seconds()))
	}
	return fmt.Sprintf("%d мин %02d с", int(d.Minutes()), int(d.Seconds())%60)
}
