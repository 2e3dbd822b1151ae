package sandbox

import (
	"bytes"
	"html/template"
	"log/slog"
	"net/http"
)

// pageStyle is the stylesheet of every sandbox page. Pages load no external
// assets, so they work without network access.
const pageStyle = `<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
.note { color: #666; font-size: 90%; }
.box { border: 1px solid #ccc; border-radius: 6px; padding: 1em 1.5em; max-width: 32em; }
label { display: block; margin: 0.6em 0; }
input[type=text] { width: 100%; box-sizing: border-box; padding: 0.3em; }
button { padding: 0.4em 1em; margin-right: 0.5em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td form { display: inline; margin: 0; }
.state-active { color: #070; } .state-revoked { color: #a00; } .state-expired { color: #a60; }
</style>`

var pageTemplates = template.Must(template.New("pages").Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="ru">
<head><meta charset="utf-8"><title>{{.}}</title>` + pageStyle + `</head>
<body>{{end}}

{{define "foot"}}<p class="note">Это песочница EvoSync, а не настоящий сервис провайдера.</p>
</body>
</html>{{end}}

{{define "hidden"}}{{range .}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}{{end}}

{{define "error"}}{{template "head" .Title}}
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .BackURL}}<p><a href="{{.BackURL}}">Вернуться</a></p>{{end}}
{{template "foot"}}{{end}}

{{define "vk_consent"}}{{template "head" "Разрешение доступа — ВКонтакте"}}
<h1>ВКонтакте: разрешение доступа</h1>
<div class="box">
<p>Приложение <b>{{.ClientID}}</b> запрашивает доступ к вашему аккаунту:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{else}}<li>основная информация профиля</li>{{end}}</ul>
<form method="post" action="/vk/oauth/authorize">
{{template "hidden" .Hidden}}
<label>ID пользователя ВКонтакте <input type="text" name="user_id" value="{{.UserID}}"></label>
<label>Имя <input type="text" name="first_name" value="{{.FirstName}}"></label>
<label>Фамилия <input type="text" name="last_name" value="{{.LastName}}"></label>
<button type="submit" name="decision" value="allow">Разрешить</button>
<button type="submit" name="decision" value="deny">Отмена</button>
</form>
</div>
{{template "foot"}}{{end}}

{{define "evotor_consent"}}{{template "head" "Разрешение доступа — Эвотор"}}
<h1>Эвотор: разрешение доступа</h1>
<div class="box">
<p>Приложение <b>{{.ClientID}}</b> запрашивает доступ к данным вашего аккаунта Эвотор:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="/evotor/oauth/authorize">
{{template "hidden" .Hidden}}
<label>ID пользователя Эвотор <input type="text" name="user_id" value="{{.UserID}}"></label>
<button type="submit" name="decision" value="allow">Разрешить</button>
<button type="submit" name="decision" value="deny">Отмена</button>
</form>
</div>
{{template "foot"}}{{end}}
`))

// hiddenField is a hidden input that carries an authorize parameter from
// the consent page to its form post.
type hiddenField struct {
	Name, Value string
}

// errorPage is the data of the "error" template.
type errorPage struct {
	Title   string
	Message string
	BackURL string // link under the message, or empty for none
}

// renderPage executes the named template into a buffer first, so a
// template error becomes a 500 instead of a half-written page.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("rendering a sandbox page failed", "template", name, "error", err)
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderOAuthError responds to an authorize request with a 400 page and no
// redirect, for an unknown client, a missing redirect_uri or invalid input.
func renderOAuthError(w http.ResponseWriter, message string) {
	renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Ошибка авторизации", Message: message})
}
