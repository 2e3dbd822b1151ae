package sandbox

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

func init() {
	template.Must(pageTemplates.Parse(marketPageTemplate))
}

// marketPageTemplate defines the "vk_market" page: a community's Market as
// a sync left it, with its items in the order they were added and its
// albums.
const marketPageTemplate = `{{define "vk_market"}}{{template "head" "Товары сообщества — ВКонтакте"}}
<p><a href="/">← Песочница</a></p>
<h1>{{.Group.Name}}</h1>
<p class="note">Сообщество {{.Group.ID}} (owner_id {{.OwnerID}}), администратор — пользователь ВКонтакте {{.AdminID}}.
{{if .Group.MarketEnabled}}Товары включены.{{else}}Товары отключены: методы market.* возвращают ошибку 1438.{{end}}</p>
<p>Товаров: {{.Total}}, из них скрыто: {{.Hidden}}. Загружено фотографий: {{.PhotoCount}}.</p>

<h2>Подборки</h2>
{{if .Albums}}<table>
<tr><th>ID</th><th>Название</th><th>Товаров</th></tr>
{{range .Albums}}<tr><td>{{.ID}}</td><td>{{.Title}}</td><td>{{.Count}}</td></tr>
{{end}}</table>{{else}}<p class="note">Подборок нет.</p>{{end}}

<h2>Товары</h2>
{{template "pager" .Pager}}
{{if .Items}}<table>
<tr><th>Фото</th><th>ID</th><th>Название</th><th>Цена</th><th>Артикул</th><th>Категория</th><th>Состояние</th><th>Подборки</th></tr>
{{range .Items}}<tr>
<td>{{if .ThumbURL}}<img src="{{.ThumbURL}}" width="64" alt="">{{else}}<span class="note">нет</span>{{end}}</td>
<td>{{.ID}}</td>
<td>{{.Name}}<div class="note">{{.Description}}</div></td>
<td>{{.Price}}{{if .OldPrice}} <s class="note">{{.OldPrice}}</s>{{end}}</td>
<td>{{.SKU}}</td>
<td>{{.Category}}</td>
<td>{{if .Hidden}}<span class="state-revoked">скрыт</span>{{else}}<span class="state-active">доступен</span>{{end}}</td>
<td>{{.Albums}}</td>
</tr>
{{end}}</table>{{else}}<p class="note">Товаров нет.</p>{{end}}
{{template "pager" .Pager}}
{{template "foot"}}{{end}}
`

type marketPageView struct {
	Group      VKGroup
	OwnerID    int64
	AdminID    int64
	Total      int
	Hidden     int
	PhotoCount int
	Albums     []MarketAlbum
	Pager      pager
	Items      []marketItemRow
}

type marketItemRow struct {
	ID          int64
	Name        string
	Description string
	Price       string
	OldPrice    string
	SKU         string
	Category    string
	Hidden      bool
	Albums      string // album titles, comma-separated
	ThumbURL    string
}

// maxPageDescription is the number of runes of an item's description that
// the Market page shows.
const maxPageDescription = 120

// showMarketPage serves GET /vk/market/{group}, the Russian page of a
// community's Market.
func (s *Sandbox) showMarketPage(w http.ResponseWriter, r *http.Request) {
	groupID, err := strconv.ParseInt(r.PathValue("group"), 10, 64)
	group, adminID, ok := s.vkGroup(groupID)
	if err != nil || !ok {
		renderPage(w, http.StatusNotFound, "error", errorPage{Title: "Сообщество не найдено",
			Message: "Сообщества «" + r.PathValue("group") + "» нет в песочнице.", BackURL: "/"})
		return
	}

	view := marketPageView{Group: group, OwnerID: -groupID, AdminID: adminID}
	s.marketMu.Lock()
	g := s.market.groupLocked(groupID)
	view.Total, view.PhotoCount = len(g.items), g.photoCount
	titles := make(map[int64]string, len(g.albums))
	for _, a := range g.albums {
		view.Albums = append(view.Albums, MarketAlbum{ID: a.id, Title: a.title, Count: a.count})
		titles[a.id] = a.title
	}
	for _, item := range g.items {
		if item.hidden {
			view.Hidden++
		}
	}
	var first int
	view.Pager, first = newPager(r, view.Total)
	for _, item := range g.items[first:min(first+pageRowsPerPage, len(g.items))] {
		view.Items = append(view.Items, newMarketItemRow(item, titles))
	}
	s.marketMu.Unlock()
	renderPage(w, http.StatusOK, "vk_market", view)
}

func newMarketItemRow(item *marketItem, albumTitles map[int64]string) marketItemRow {
	row := marketItemRow{
		ID:          item.id,
		Name:        item.name,
		Description: truncateRunes(item.description, maxPageDescription),
		Price:       formatRublesText(item.price),
		SKU:         item.sku,
		Hidden:      item.hidden,
	}
	if row.Description != item.description {
		row.Description += "…"
	}
	if item.oldPrice > 0 {
		row.OldPrice = formatRublesText(item.oldPrice)
	}
	if c, ok := vkMarketCategoryByID(item.categoryID); ok {
		row.Category = c.Name
	}
	if item.mainPhotoID != 0 {
		row.ThumbURL = "/vk/photos/" + strconv.FormatInt(item.mainPhotoID, 10) + ".png"
	}
	albums := make([]string, 0, len(item.albumIDs))
	for _, id := range item.albumIDs {
		albums = append(albums, albumTitles[id])
	}
	row.Albums = strings.Join(albums, ", ")
	return row
}
