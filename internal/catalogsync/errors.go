package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/httpx"
	"github.com/evosync/evosync/internal/vk"
)

// stopError ends a run for good: no retry would help until the owner acts.
type stopError struct {
	status  syncrun.Status // failed or skipped
	message string         // Russian, for the owner
	err     error          // the cause, for the log
}

func (e *stopError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("run %s: %s", e.status, e.message)
	}
	return fmt.Sprintf("run %s: %v", e.status, e.err)
}

func (e *stopError) Unwrap() error { return e.err }

func fail(message string, err error) *stopError {
	return &stopError{status: syncrun.StatusFailed, message: message, err: err}
}

func skip(message string, err error) *stopError {
	return &stopError{status: syncrun.StatusSkipped, message: message, err: err}
}

// errRunNotRunning means the run row left the running status while the
// run was going on, for example because CreateRun found it stale.
var errRunNotRunning = errors.New("run is no longer in the running status")

// Russian messages for the shop owner.
const (
	msgVKRevoked       = "ВКонтакте отклонил доступ: переподключите аккаунт ВКонтакте"
	msgVKDeactivated   = "Аккаунт ВКонтакте удалён или заблокирован: подключите другой аккаунт"
	msgVKCaptcha       = "ВКонтакте просит ввести капчу: откройте ВКонтакте в браузере, затем запустите синхронизацию снова"
	msgVKValidation    = "ВКонтакте просит подтвердить вход: откройте ВКонтакте в браузере, пройдите проверку и переподключите аккаунт"
	msgVKDailyLimit    = "ВКонтакте ограничил число запросов на сегодня: синхронизация продолжится позже"
	msgVKNoRights      = "Нет прав на товары сообщества: проверьте, что вы администратор сообщества, и переподключите ВКонтакте"
	msgMarketDisabled  = "Товары отключены в сообществе: включите раздел «Товары» в настройках"
	msgVKTemporary     = "ВКонтакте временно не отвечает: повторим попытку автоматически"
	msgEvotorRevoked   = "Эвотор отклонил доступ: переподключите аккаунт Эвотор"
	msgEvotorNoAccess  = "Нет доступа к данным Эвотора: приложение удалено или ему не хватает прав. Установите приложение и переподключите аккаунт Эвотор"
	msgEvotorNoStore   = "Магазин не найден в Эвоторе: выберите магазин в настройках синхронизации"
	msgEvotorTemporary = "Эвотор временно не отвечает: повторим попытку автоматически"
	msgInternal        = "Внутренняя ошибка синхронизации: повторим попытку автоматически"

	msgBadLinks      = "В описании есть ссылка — ВКонтакте такие описания не принимает"
	msgPhotoRejected = "ВКонтакте не принял фотографию"
	msgTooManyItems  = "В сообществе слишком много товаров: ВКонтакте не принимает новые"
	msgAlbumFull     = "В подборке слишком много товаров: ВКонтакте не добавляет в неё новые"
	msgInvalidItem   = "ВКонтакте не принял данные товара: проверьте название, описание и цену в Эвоторе"
	msgVKBusy        = "ВКонтакте временно не принимает изменения: повторим при следующей синхронизации"
	msgBadProduct    = "Эвотор прислал данные товара, которые не удалось прочитать: проверьте цену и другие поля товара"
)

// vkStop returns the stopError for a VK error that concerns the whole
// request and that no retry fixes, or nil for an error worth retrying.
func vkStop(err error) *stopError {
	var apiErr *vk.APIError
	if !errors.As(err, &apiErr) {
		return nil
	}
	switch apiErr.Code {
	case vk.ErrTooManyPerSecond, vk.ErrFloodControl, vk.ErrInternal:
		return nil
	case vk.ErrAuthFailed, vk.ErrTokenExpired, vk.ErrAppAuthFailed:
		return fail(msgVKRevoked, err)
	case vk.ErrUserDeactivated:
		return fail(msgVKDeactivated, err)
	case vk.ErrCaptchaNeeded:
		return fail(msgVKCaptcha, err)
	case vk.ErrValidationRequired:
		return fail(msgVKValidation, err)
	case vk.ErrMethodRateLimit:
		return fail(msgVKDailyLimit, err)
	case vk.ErrPermissionDenied, vk.ErrAccessDenied, vk.ErrMarketAccessDenied, 203:
		return fail(msgVKNoRights, err)
	case vk.ErrMarketNotEnabled, 1525:
		return fail(msgMarketDisabled, err)
	default:
		return fail(fmt.Sprintf("ВКонтакте отклонил запрос (ошибка %d): синхронизация остановлена", apiErr.Code), err)
	}
}

// evotorAuthStop returns the stopError for an Evotor rejection of the
// token (401) or of the app's rights (403), or nil.
func evotorAuthStop(err error) *stopError {
	var statusErr *httpx.StatusError
	if !errors.As(err, &statusErr) {
		return nil
	}
	switch statusErr.Status {
	case http.StatusUnauthorized:
		return fail(msgEvotorRevoked, err)
	case http.StatusForbidden:
		return fail(msgEvotorNoAccess, err)
	}
	return nil
}

// evotorStop returns the stopError for an Evotor response to a catalog
// list that no retry fixes, or nil for an error worth retrying.
func evotorStop(err error) *stopError {
	if stop := evotorAuthStop(err); stop != nil {
		return stop
	}
	var statusErr *httpx.StatusError
	if !errors.As(err, &statusErr) {
		return nil
	}
	switch statusErr.Status {
	case http.StatusNotFound:
		return fail(msgEvotorNoStore, err)
	case http.StatusBadRequest:
		return fail("Эвотор отклонил запрос каталога: синхронизация остановлена", err)
	}
	return nil
}

// retryable reports whether repeating a call may succeed: VK errors 6, 9
// and 10, timeouts, 5xx and 429 responses (of the API or an upload
// server), and responses that are not the expected JSON.
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *vk.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Code {
		case vk.ErrTooManyPerSecond, vk.ErrFloodControl, vk.ErrInternal:
			return true
		}
		return false
	}
	var statusErr *httpx.StatusError
	if errors.As(err, &statusErr) {
		return statusErr.Status == http.StatusTooManyRequests || statusErr.Status >= 500
	}
	var uploadErr *vk.UploadError
	if errors.As(err, &uploadErr) {
		return uploadErr.Status == http.StatusTooManyRequests || uploadErr.Status >= 500
	}
	// Transport failures, timeouts and undecodable responses.
	return true
}

// itemMessage is the Russian text recorded for a VK error of one item.
func itemMessage(e *vk.APIError) string {
	switch {
	case e.Code == vk.ErrMarketBadLinks:
		return msgBadLinks
	case e.Code >= vk.ErrMarketCropFormat && e.Code <= vk.ErrMarketCropTooSmall, e.Code == vk.ErrInvalidPhoto:
		return msgPhotoRejected
	case e.Code == vk.ErrMarketNotEnabled, e.Code == 1525:
		return msgMarketDisabled
	case e.Code == vk.ErrMarketTooManyItems:
		return msgTooManyItems
	case e.Code == vk.ErrMarketAlbumFull:
		return msgAlbumFull
	case e.Code == vk.ErrInvalidParam:
		return msgInvalidItem
	case e.Code == vk.ErrPermissionDenied, e.Code == vk.ErrAccessDenied, e.Code == vk.ErrMarketAccessDenied:
		return msgVKNoRights
	case e.Code == vk.ErrTooManyPerSecond, e.Code == vk.ErrFloodControl, e.Code == vk.ErrInternal:
		return msgVKBusy
	default:
		return fmt.Sprintf("ВКонтакте не принял товар (ошибка %d)", e.Code)
	}
}

// Markers of the provider a wrapped error came from, so that the message
// of a run waiting for a retry names the provider.
var (
	errVK     = errors.New("VK")
	errEvotor = errors.New("evotor")
)

// fromVK marks err as a failure of a VK call.
func fromVK(err error) error { return fmt.Errorf("%w: %w", errVK, err) }

// fromEvotor marks err as a failure of an Evotor call.
func fromEvotor(err error) error { return fmt.Errorf("%w: %w", errEvotor, err) }

// temporaryMessage is the Russian text kept on a run that will be retried.
func temporaryMessage(err error) string {
	switch {
	case errors.Is(err, errEvotor):
		return msgEvotorTemporary
	case errors.Is(err, errVK):
		return msgVKTemporary
	}
	return msgInternal
}

// UserMessage returns the Russian text for the shop owner about an error
// of a Service method, without internal details.
func UserMessage(err error) string {
	var connErr *ConnectionError
	var settingsErr *SettingsError
	var stop *stopError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &connErr):
		return connErr.Message
	case errors.As(err, &settingsErr):
		return settingsErr.Message
	case errors.Is(err, ErrRunInProgress):
		return "Синхронизация уже запущена: дождитесь её окончания"
	case errors.As(err, &stop):
		return stop.message
	}
	if stop := vkStop(err); stop != nil {
		return stop.message
	}
	if stop := evotorStop(err); stop != nil {
		return stop.message
	}
	var apiErr *vk.APIError
	if errors.As(err, &apiErr) {
		return msgVKTemporary
	}
	return "Сервис временно недоступен: попробуйте ещё раз через несколько минут"
}
