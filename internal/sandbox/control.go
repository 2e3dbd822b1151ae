package sandbox

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// controlError is the error of an invalid control request. The English
// message goes to JSON clients and the Russian one to the error page.
type controlError struct {
	message     string
	pageMessage string
}

func (e *controlError) Error() string { return e.message }

// controlAction applies a control request and returns its JSON result.
type controlAction func(s *Sandbox, form url.Values) (any, error)

// controlActions are the POST /control/... endpoints by path below /control/.
var controlActions = map[string]controlAction{
	"vk/tokens/mint":       mintVKTokenAction,
	"vk/tokens/revoke":     revokeVKTokenAction,
	"vk/users/revoke":      revokeVKUserAction,
	"vk/users/deactivate":  deactivateVKUserAction,
	"evotor/tokens/mint":   mintEvotorTokenAction,
	"evotor/tokens/revoke": revokeEvotorTokenAction,
	"evotor/users/revoke":  revokeEvotorUserAction,
	"evotor/users/app":     setEvotorAppAction,
	"outage":               setOutageAction,
	"latency":              setLatencyAction,
	"counts/reset":         resetCountsAction,
}

func (s *Sandbox) registerControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.showControlPage)
	mux.HandleFunc("GET /control/state", s.handleControlState)
	for path, action := range controlActions {
		mux.Handle("POST /control/"+path, s.controlHandler(action))
	}
}

// controlHandler runs an action on the request's form. A client that
// accepts application/json gets the result or a 400 error as JSON, and a
// browser gets a 303 redirect or a 400 error page. The redirect goes to
// the form's back field when it is a path on this server, else to the
// control page.
func (s *Sandbox) controlHandler(action controlAction) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var result any
		err := r.ParseForm()
		if err != nil {
			err = &controlError{"invalid form: " + err.Error(), "Не удалось разобрать форму: " + err.Error()}
		} else {
			result, err = action(s, r.Form)
		}

		switch {
		case acceptsJSON(r.Header.Values("Accept")) && err != nil:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		case acceptsJSON(r.Header.Values("Accept")):
			writeJSON(w, http.StatusOK, result)
		case err != nil:
			renderPage(w, http.StatusBadRequest, "error", errorPage{
				Title: "Ошибка", Message: pageMessage(err), BackURL: backURL(r.Form),
			})
		default:
			http.Redirect(w, r, backURL(r.Form), http.StatusSeeOther)
		}
	})
}

// backURL returns the back field of a control form when it is a path on
// this server, and "/" otherwise, so that a form cannot redirect elsewhere.
func backURL(form url.Values) string {
	back := form.Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		return "/"
	}
	return back
}

func pageMessage(err error) string {
	if ce, ok := err.(*controlError); ok {
		return ce.pageMessage
	}
	return err.Error()
}

// acceptsJSON reports whether one of the Accept header values lists
// application/json.
func acceptsJSON(values []string) bool {
	for _, value := range values {
		for part := range strings.SplitSeq(value, ",") {
			mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mediaType == "application/json" {
				return true
			}
		}
	}
	return false
}

// formVKUserID returns the positive user_id field of a control form.
func formVKUserID(form url.Values) (int64, error) {
	raw := strings.TrimSpace(form.Get("user_id"))
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, &controlError{
			fmt.Sprintf("invalid user_id %q: expected a positive integer", raw),
			fmt.Sprintf("ID пользователя «%s» должен быть положительным целым числом.", raw),
		}
	}
	return id, nil
}

// formValue returns a required field of a control form.
func formValue(form url.Values, name string) (string, error) {
	value := strings.TrimSpace(form.Get(name))
	if value == "" {
		return "", &controlError{name + " is required", "Не заполнено поле " + name + "."}
	}
	return value, nil
}

func valueOr(form url.Values, name, fallback string) string {
	if value := strings.TrimSpace(form.Get(name)); value != "" {
		return value
	}
	return fallback
}

func mintVKTokenAction(s *Sandbox, form url.Values) (any, error) {
	if form.Get("user_id") == "" {
		form.Set("user_id", strconv.Itoa(defaultVKUserID))
	}
	id, err := formVKUserID(form)
	if err != nil {
		return nil, err
	}
	user := VKUser{
		ID:          id,
		FirstName:   valueOr(form, "first_name", defaultVKFirstName),
		LastName:    valueOr(form, "last_name", defaultVKLastName),
		Deactivated: form.Get("deactivated"),
	}
	if err := validateVKDeactivated(user.Deactivated); err != nil {
		return nil, &controlError{err.Error(), "Недопустимое состояние пользователя «" + user.Deactivated + "»."}
	}
	return map[string]any{"access_token": s.MintVKToken(user), "user_id": id}, nil
}

func revokeVKTokenAction(s *Sandbox, form url.Values) (any, error) {
	token, err := formValue(form, "token")
	if err != nil {
		return nil, err
	}
	return map[string]bool{"revoked": s.RevokeVKToken(token)}, nil
}

func revokeVKUserAction(s *Sandbox, form url.Values) (any, error) {
	id, err := formVKUserID(form)
	if err != nil {
		return nil, err
	}
	return map[string]int{"revoked": s.RevokeVKUser(id)}, nil
}

func deactivateVKUserAction(s *Sandbox, form url.Values) (any, error) {
	id, err := formVKUserID(form)
	if err != nil {
		return nil, err
	}
	state := form.Get("state")
	if err := validateVKDeactivated(state); err != nil {
		return nil, &controlError{err.Error(), "Недопустимое состояние пользователя «" + state + "»."}
	}
	s.SetVKUserDeactivated(id, state)
	return map[string]any{"user_id": id, "deactivated": state}, nil
}

func mintEvotorTokenAction(s *Sandbox, form url.Values) (any, error) {
	userID := valueOr(form, "user_id", defaultEvotorUserID)
	access, refresh := s.MintEvotorToken(userID)
	return map[string]string{"access_token": access, "refresh_token": refresh, "user_id": userID}, nil
}

func revokeEvotorTokenAction(s *Sandbox, form url.Values) (any, error) {
	token, err := formValue(form, "token")
	if err != nil {
		return nil, err
	}
	return map[string]bool{"revoked": s.RevokeEvotorToken(token)}, nil
}

func revokeEvotorUserAction(s *Sandbox, form url.Values) (any, error) {
	userID, err := formValue(form, "user_id")
	if err != nil {
		return nil, err
	}
	return map[string]int{"revoked": s.RevokeEvotorUser(userID)}, nil
}

func setEvotorAppAction(s *Sandbox, form url.Values) (any, error) {
	userID, err := formValue(form, "user_id")
	if err != nil {
		return nil, err
	}
	removed, err := strconv.ParseBool(form.Get("removed"))
	if err != nil {
		return nil, &controlError{
			fmt.Sprintf("invalid removed %q: expected true or false", form.Get("removed")),
			"Поле removed должно быть true или false.",
		}
	}
	s.SetEvotorAppRemoved(userID, removed)
	return map[string]any{"user_id": userID, "app_removed": removed}, nil
}

func setOutageAction(s *Sandbox, form url.Values) (any, error) {
	provider := form.Get("provider")
	if _, err := providerIndex(provider); err != nil {
		return nil, &controlError{err.Error(), "Неизвестный провайдер «" + provider + "»."}
	}
	outage, err := ParseOutage(form.Get("outage"))
	if err != nil {
		return nil, &controlError{err.Error(), "Неизвестный режим сбоя «" + form.Get("outage") + "»."}
	}
	s.SetOutage(provider, outage)
	return map[string]string{"provider": provider, "outage": outage.String()}, nil
}

func setLatencyAction(s *Sandbox, form url.Values) (any, error) {
	raw := strings.TrimSpace(form.Get("latency_ms"))
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || ms < 0 {
		return nil, &controlError{
			fmt.Sprintf("invalid latency_ms %q: expected a non-negative integer", raw),
			"Задержка должна быть неотрицательным целым числом миллисекунд.",
		}
	}
	s.SetLatency(time.Duration(ms) * time.Millisecond)
	return map[string]int64{"latency_ms": ms}, nil
}

func resetCountsAction(s *Sandbox, _ url.Values) (any, error) {
	s.ResetCounts()
	return map[string]bool{"reset": true}, nil
}
