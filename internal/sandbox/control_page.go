package sandbox

import (
	"html/template"
	"net/http"
	"time"
)

func init() {
	template.Must(pageTemplates.Parse(controlPageTemplate))
}

// controlPageTemplate defines the "control" page. Every button posts a form
// to a /control/... endpoint, which redirects back to the page.
const controlPageTemplate = `{{define "control"}}{{template "head" "Песочница EvoSync"}}
<h1>Песочница EvoSync: ВКонтакте и Эвотор</h1>

<h2>Сбои и задержка</h2>
<table>
<tr><th>Провайдер</th><th>Режим сбоя</th></tr>
{{range .Outages}}{{$current := .Current}}<tr><td>{{.Label}}</td><td>
<form method="post" action="/control/outage">
<input type="hidden" name="provider" value="{{.Provider}}">
<select name="outage">{{range $.OutageOptions}}<option value="{{.Name}}"{{if eq .Name $current}} selected{{end}}>{{.Label}}</option>{{end}}</select>
<button type="submit">Применить</button>
</form></td></tr>
{{end}}</table>
<form method="post" action="/control/latency">
<label>Задержка перед ответами API и выдачи токенов, мс
<input type="text" name="latency_ms" value="{{.LatencyMS}}" style="width: 8em"></label>
<button type="submit">Применить</button>
</form>

<h2>Токены ВКонтакте</h2>
{{template "token_table" .VKTokens}}{{if gt .VKTokenTotal (len .VKTokens)}}<p class="note">Показаны последние {{len .VKTokens}} из {{.VKTokenTotal}}.</p>{{end}}
{{if .VKTokens}}{{else}}<p class="note">Токенов нет.</p>{{end}}

<h2>Пользователи ВКонтакте</h2>
{{if .VKUsers}}<table>
<tr><th>ID</th><th>Имя</th><th>Сообщества</th><th>Действующих токенов</th><th>Состояние аккаунта</th><th></th></tr>
{{range .VKUsers}}{{$state := .Deactivated}}<tr><td>{{.ID}}</td><td>{{.Name}}</td>
<td>{{range .Groups}}<a href="/vk/market/{{.ID}}">{{.Name}}</a> ({{.ID}}{{if not .MarketEnabled}}, товары отключены{{end}})<br>{{end}}</td>
<td>{{.ActiveTokens}}</td>
<td><form method="post" action="/control/vk/users/deactivate">
<input type="hidden" name="user_id" value="{{.ID}}">
<select name="state">
<option value=""{{if eq $state ""}} selected{{end}}>активен</option>
<option value="deleted"{{if eq $state "deleted"}} selected{{end}}>удалён (deleted)</option>
<option value="banned"{{if eq $state "banned"}} selected{{end}}>заблокирован (banned)</option>
</select>
<button type="submit">Сохранить</button>
</form></td>
<td><form method="post" action="/control/vk/users/revoke">
<input type="hidden" name="user_id" value="{{.ID}}">
<button type="submit">Отозвать все токены</button>
</form></td></tr>
{{end}}</table>
{{if gt .VKUserTotal (len .VKUsers)}}<p class="note">Показаны первые {{len .VKUsers}} из {{.VKUserTotal}}.</p>{{end}}
{{else}}<p class="note">Пользователей нет.</p>{{end}}

<h2>Токены Эвотора</h2>
{{template "token_table" .EvotorTokens}}{{if gt .EvotorTokenTotal (len .EvotorTokens)}}<p class="note">Показаны последние {{len .EvotorTokens}} из {{.EvotorTokenTotal}}.</p>{{end}}
{{if .EvotorTokens}}{{else}}<p class="note">Токенов нет.</p>{{end}}

<h2>Пользователи Эвотора</h2>
{{if .EvotorUsers}}<table>
<tr><th>ID</th><th>Магазины</th><th>Действующих токенов</th><th>Приложение</th><th></th></tr>
{{range .EvotorUsers}}<tr><td>{{.ID}}</td>
<td>{{range .Stores}}<a href="/control/evotor/stores/{{.ID}}">{{.Name}}</a><br>{{end}}</td>
<td>{{.ActiveTokens}}</td>
<td><form method="post" action="/control/evotor/users/app">
<input type="hidden" name="user_id" value="{{.ID}}">
{{if .AppRemoved}}удалено <input type="hidden" name="removed" value="false"><button type="submit">Установить снова</button>
{{else}}установлено <input type="hidden" name="removed" value="true"><button type="submit">Отметить удаление</button>{{end}}
</form></td>
<td><form method="post" action="/control/evotor/users/revoke">
<input type="hidden" name="user_id" value="{{.ID}}">
<button type="submit">Отозвать все токены</button>
</form></td></tr>
{{end}}</table>
{{if gt .EvotorUserTotal (len .EvotorUsers)}}<p class="note">Показаны первые {{len .EvotorUsers}} из {{.EvotorUserTotal}}.</p>{{end}}
{{else}}<p class="note">Пользователей нет.</p>{{end}}

<h2>Вызовы</h2>
{{if .Calls}}<table>
<tr><th>Провайдер</th><th>Метод</th><th>Вызовов</th></tr>
{{range .Calls}}<tr><td>{{.Provider}}</td><td>{{.Method}}</td><td>{{.Count}}</td></tr>
{{end}}</table>{{else}}<p class="note">Вызовов не было.</p>{{end}}
<form method="post" action="/control/counts/reset"><button type="submit">Обнулить счётчики</button></form>
{{template "foot"}}{{end}}

{{define "token_table"}}{{if .}}<table>
<tr><th>Токен</th><th>Пользователь</th><th>Права</th><th>Выдан</th><th>Истекает</th><th>Состояние</th><th></th></tr>
{{range .}}<tr><td><code>{{.Short}}</code></td><td>{{.UserID}}{{if .UserName}} ({{.UserName}}){{end}}</td>
<td>{{.Scope}}</td><td>{{.Issued}}</td><td>{{.Expires}}</td><td class="{{.StateClass}}">{{.StateLabel}}</td>
<td>{{if .Active}}<form method="post" action="{{.RevokeURL}}">
<input type="hidden" name="token" value="{{.Token}}">
<button type="submit">Отозвать</button>
</form>{{end}}</td></tr>
{{end}}</table>{{end}}{{end}}
`

// controlState is the body of GET /control/state.
type controlState struct {
	Outages      map[string]string `json:"outages"`
	LatencyMS    int64             `json:"latency_ms"`
	VKTokens     tokenStateCounts  `json:"vk_tokens"`
	EvotorTokens tokenStateCounts  `json:"evotor_tokens"`
	Calls        []callCount       `json:"calls"`
}

// tokenStateCounts counts issued tokens by state.
type tokenStateCounts struct {
	Active  int `json:"active"`
	Revoked int `json:"revoked"`
	Expired int `json:"expired"`
}

func (c *tokenStateCounts) add(state tokenState) {
	switch state {
	case tokenActive:
		c.Active++
	case tokenRevoked:
		c.Revoked++
	case tokenExpired:
		c.Expired++
	}
}

// handleControlState serves GET /control/state: the outages, the latency,
// the number of tokens by state and the call counters as JSON.
func (s *Sandbox) handleControlState(w http.ResponseWriter, _ *http.Request) {
	state := controlState{
		Outages: map[string]string{
			ProviderVK:     s.outage(ProviderVK).String(),
			ProviderEvotor: s.outage(ProviderEvotor).String(),
		},
		LatencyMS: time.Duration(s.latency.Load()).Milliseconds(),
		Calls:     s.callCounts(),
	}
	now := s.now()
	s.mu.RLock()
	for _, t := range s.vkTokens {
		state.VKTokens.add(t.state(now))
	}
	for _, g := range s.evotorAccess {
		state.EvotorTokens.add(g.accessState(now))
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, state)
}
