package connstatus

// Offline reason codes.
const (
	ReasonRevoked         = "revoked"          // VK 5, Evotor 401
	ReasonExpired         = "expired"          // the token's lifetime passed
	ReasonAppAuthFailed   = "app_auth_failed"  // VK 28
	ReasonDeactivated     = "deactivated"      // VK owner deleted or banned
	ReasonNoAccess        = "no_access"        // Evotor 403
	ReasonRefreshRejected = "refresh_rejected" // Evotor refused the refresh token
)

// Inconclusive error codes.
const (
	ErrTimeout       = "timeout"
	ErrUnavailable   = "unavailable"  // 5xx or a network failure
	ErrBadResponse   = "bad_response" // HTML, broken JSON, a huge body
	ErrRateLimited   = "rate_limited" // VK 6, 9, 29; Evotor 429
	ErrProviderError = "provider_error"
	ErrCaptcha       = "captcha"    // VK 14: a person must act
	ErrValidation    = "validation" // VK 17: a person must act
)

var reasonTexts = map[string]string{
	ReasonRevoked:         "Доступ отозван или токен больше не действует.",
	ReasonExpired:         "Срок действия доступа истёк.",
	ReasonAppAuthFailed:   "ВКонтакте отклонил авторизацию приложения.",
	ReasonDeactivated:     "Аккаунт ВКонтакте удалён или заблокирован.",
	ReasonNoAccess:        "Нет доступа: приложение удалено из Эвотор или у него не хватает прав.",
	ReasonRefreshRejected: "Эвотор отказался продлить доступ.",
}

var errorTexts = map[string]string{
	ErrTimeout:       "Сервис не ответил вовремя. Повторим при следующей проверке.",
	ErrUnavailable:   "Сервис временно недоступен. Повторим при следующей проверке.",
	ErrBadResponse:   "Сервис вернул непонятный ответ. Повторим при следующей проверке.",
	ErrRateLimited:   "Сервис попросил подождать из-за частых запросов. Повторим позже.",
	ErrProviderError: "Внутренняя ошибка сервиса. Повторим при следующей проверке.",
	ErrCaptcha:       "ВКонтакте просит ввести капчу: войдите во ВКонтакте в браузере и переподключите аккаунт.",
	ErrValidation:    "ВКонтакте просит подтвердить вход: откройте ВКонтакте в браузере, пройдите проверку и переподключите аккаунт.",
}

// ReasonText is the Russian explanation of an offline reason.
func ReasonText(code string) string {
	if t, ok := reasonTexts[code]; ok {
		return t
	}
	return "Сервис отклонил доступ."
}

// ErrorText is the Russian explanation of an inconclusive check.
func ErrorText(code string) string {
	if t, ok := errorTexts[code]; ok {
		return t
	}
	if code == "" {
		return ""
	}
	return "Не удалось проверить подключение. Повторим при следующей проверке."
}

// NeedsAttention reports whether an inconclusive error asks the owner to
// act instead of waiting for the next check.
func NeedsAttention(code string) bool {
	return code == ErrCaptcha || code == ErrValidation
}
