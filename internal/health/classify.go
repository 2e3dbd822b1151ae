package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/evosync/evosync/internal/connstatus"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/httpx"
	"github.com/evosync/evosync/internal/vk"
)

// vkRetryDelay is the wait before repeating a call VK throttled (error 6
// or 9); each retry waits twice as long, keeping a token far below three
// calls per second.
const vkRetryDelay = time.Second

// classifyVK turns a VK API failure into a verdict. Only errors that
// condemn the token take the connection offline.
func classifyVK(err error) connstatus.Verdict {
	var apiErr *vk.APIError
	if errors.As(err, &apiErr) {
		detail := fmt.Sprintf("VK error %d: %s", apiErr.Code, apiErr.Message)
		switch apiErr.Code {
		case vk.ErrAuthFailed, vk.ErrTokenExpired:
			return connstatus.Reject(connstatus.ReasonRevoked, detail)
		case vk.ErrAppAuthFailed:
			return connstatus.Reject(connstatus.ReasonAppAuthFailed, detail)
		case vk.ErrUserDeactivated:
			return connstatus.Reject(connstatus.ReasonDeactivated, detail)
		case vk.ErrTooManyPerSecond, vk.ErrFloodControl:
			v := connstatus.Fail(connstatus.ErrRateLimited, detail)
			v.RetryAfter = vkRetryDelay
			return v
		case vk.ErrMethodRateLimit:
			return connstatus.Fail(connstatus.ErrRateLimited, detail)
		case vk.ErrCaptchaNeeded:
			return connstatus.Fail(connstatus.ErrCaptcha, detail)
		case vk.ErrValidationRequired:
			return connstatus.Fail(connstatus.ErrValidation, detail)
		default:
			return connstatus.Fail(connstatus.ErrProviderError, detail)
		}
	}
	return classifyTransport(err)
}

// classifyEvotor turns an Evotor API failure into a verdict.
func classifyEvotor(err error) connstatus.Verdict {
	var statusErr *httpx.StatusError
	if errors.As(err, &statusErr) {
		detail := fmt.Sprintf("Evotor answered HTTP %d", statusErr.Status)
		switch statusErr.Status {
		case http.StatusUnauthorized:
			return connstatus.Reject(connstatus.ReasonRevoked, detail)
		case http.StatusForbidden:
			return connstatus.Reject(connstatus.ReasonNoAccess, detail)
		case http.StatusTooManyRequests:
			return connstatus.Fail(connstatus.ErrRateLimited, detail)
		}
	}
	return classifyTransport(err)
}

// classifyRefresh decides whether a failed Evotor refresh means the
// owner must reconnect.
func classifyRefresh(err error) connstatus.Verdict {
	var oauthErr *evotor.OAuthError
	if errors.As(err, &oauthErr) && oauthErr.Status < 500 && oauthErr.Code != "temporarily_unavailable" {
		return connstatus.Reject(connstatus.ReasonRefreshRejected, oauthErr.Error())
	}
	var statusErr *httpx.StatusError
	if errors.As(err, &statusErr) && (statusErr.Status == http.StatusUnauthorized || statusErr.Status == http.StatusBadRequest) {
		return connstatus.Reject(connstatus.ReasonRefreshRejected, statusErr.Error())
	}
	return classifyTransport(err)
}

// classifyTransport handles what any provider may do: time out, answer
// 5xx, HTML or broken JSON.
func classifyTransport(err error) connstatus.Verdict {
	var statusErr *httpx.StatusError
	var decodeErr *httpx.DecodeError
	switch {
	case httpx.IsTimeout(err):
		return connstatus.Fail(connstatus.ErrTimeout, err.Error())
	case errors.As(err, &statusErr):
		return connstatus.Fail(connstatus.ErrUnavailable, statusErr.Error())
	case errors.As(err, &decodeErr), errors.Is(err, httpx.ErrTooLarge):
		return connstatus.Fail(connstatus.ErrBadResponse, err.Error())
	case errors.Is(err, context.Canceled):
		return connstatus.Fail(connstatus.ErrTimeout, "check cancelled")
	default:
		return connstatus.Fail(connstatus.ErrUnavailable, err.Error())
	}
}
