package sandbox

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func init() {
	template.Must(pageTemplates.Parse(storePageTemplate))
	controlActions["evotor/products/price"] = setProductPriceAction
	controlActions["evotor/products/allow"] = setProductAllowAction
	controlActions["evotor/products/quantity"] = setProductQuantityAction
	controlActions["evotor/products/rename"] = renameProductAction
	controlActions["evotor/products/remove"] = removeProductAction
	controlActions["evotor/products/add"] = addProductAction
}

// pageRowsPerPage is the number of products or items per page of the store
// and Market pages.
const pageRowsPerPage = 100

func (s *Sandbox) registerCatalogPageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /control/evotor/stores/{store}", s.showStorePage)
	mux.HandleFunc("GET /control/evotor/images/{file}", s.serveControlImage)
	mux.HandleFunc("GET /vk/market/{group}", s.showMarketPage)
}

// storePageTemplate defines the "evotor_store" page: a store's products
// with forms that change them. Every form posts to a /control/evotor/...
// endpoint with a back field, which returns the browser to the same page.
const storePageTemplate = `{{define "evotor_store"}}{{template "head" "Каталог магазина — Эвотор"}}
<p><a href="/">← Песочница</a></p>
<h1>Каталог магазина «{{.StoreName}}»</h1>
<p class="note">Магазин <code>{{.StoreID}}</code>, пользователь Эвотора {{.UserID}}. Товаров: {{.Total}}.
Любое изменение обновляет updated_at товара.</p>
{{template "pager" .Pager}}
{{if .Products}}<table>
<tr><th>Фото</th><th>Название</th><th>Группа</th><th>Цена, ₽</th><th>Остаток</th><th>В продаже</th><th>Изменён</th><th></th></tr>
{{range .Products}}<tr>
<td>{{if .ImageURL}}<img src="{{.ImageURL}}" width="48" height="48" alt="">{{end}}</td>
<td><form method="post" action="/control/evotor/products/rename">{{template "product_fields" .}}
<input type="text" name="name" value="{{.Name}}" style="width: 22em">
<button type="submit">Переименовать</button></form>
<div class="note"><code>{{.ID}}</code>{{if .Service}}, услуга{{end}}</div></td>
<td>{{.Group}}</td>
<td><form method="post" action="/control/evotor/products/price">{{template "product_fields" .}}
<input type="text" name="price" value="{{.Price}}" style="width: 7em">
<button type="submit">Сохранить</button></form></td>
<td><form method="post" action="/control/evotor/products/quantity">{{template "product_fields" .}}
<input type="text" name="quantity" value="{{.Quantity}}" style="width: 6em"> {{.Measure}}
<button type="submit">Сохранить</button></form></td>
<td><form method="post" action="/control/evotor/products/allow">{{template "product_fields" .}}
{{if .AllowToSell}}<span class="state-active">да</span> <input type="hidden" name="allow_to_sell" value="false"><button type="submit">Скрыть</button>
{{else}}<span class="state-revoked">нет</span> <input type="hidden" name="allow_to_sell" value="true"><button type="submit">Показать</button>{{end}}
</form></td>
<td>{{.Updated}}</td>
<td><form method="post" action="/control/evotor/products/remove">{{template "product_fields" .}}
<button type="submit">Удалить</button></form></td>
</tr>
{{end}}</table>{{else}}<p class="note">Товаров нет.</p>{{end}}
{{template "pager" .Pager}}

<h2>Новый товар</h2>
<form method="post" action="/control/evotor/products/add" class="box">
<input type="hidden" name="store_id" value="{{.StoreID}}">
<input type="hidden" name="back" value="{{.BackURL}}">
<label>Название <input type="text" name="name"></label>
<label>Цена, ₽ <input type="text" name="price" value="100"></label>
<label>Остаток <input type="text" name="quantity" value="10"></label>
<label>Группа <select name="parent_id"><option value="">без группы</option>
{{range .Groups}}<option value="{{.ID}}">{{.Name}}</option>{{end}}</select></label>
<label>Описание <input type="text" name="description"></label>
<label><input type="checkbox" name="image" value="true" checked> с картинкой</label>
<button type="submit">Добавить</button>
</form>
{{template "foot"}}{{end}}

{{define "product_fields"}}<input type="hidden" name="store_id" value="{{.StoreID}}">
<input type="hidden" name="product_id" value="{{.ID}}">
<input type="hidden" name="back" value="{{.BackURL}}">{{end}}

{{define "pager"}}{{if gt .Pages 1}}<p>Страница {{.Page}} из {{.Pages}}.
{{if .PrevURL}}<a href="{{.PrevURL}}">← предыдущая</a>{{end}}
{{if .NextURL}}<a href="{{.NextURL}}">следующая →</a>{{end}}</p>{{end}}{{end}}
`

// pager is the data of the "pager" template.
type pager struct {
	Page, Pages      int
	PrevURL, NextURL string
}

// newPager returns the pager of a list of total rows for the page query
// parameter of r, which it clamps to the existing pages, and the index of
// the page's first row.
func newPager(r *http.Request, total int) (pager, int) {
	p := pager{Pages: max(1, (total+pageRowsPerPage-1)/pageRowsPerPage)}
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	if p.Page > 1 {
		p.PrevURL = r.URL.Path + "?page=" + strconv.Itoa(p.Page-1)
	}
	if p.Page < p.Pages {
		p.NextURL = r.URL.Path + "?page=" + strconv.Itoa(p.Page+1)
	}
	return p, (p.Page - 1) * pageRowsPerPage
}

type storePageView struct {
	StoreID, StoreName, UserID string
	Total                      int
	Pager                      pager
	Products                   []productRow
	Groups                     []groupOption
	BackURL                    string
}

type productRow struct {
	StoreID, ID, BackURL string
	Name, Group          string
	Price, Quantity      string
	Measure              string
	AllowToSell, Service bool
	Updated              string
	ImageURL             string
}

type groupOption struct {
	ID, Name string
}

// storeInfo returns the store's name and the id of its user.
func (s *Sandbox) storeInfo(storeID string) (name, userID string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	userID, ok = s.evotorStoreOwners[storeID]
	if !ok {
		return "", "", false
	}
	for _, store := range s.evotorUsers[userID].stores {
		if store.ID == storeID {
			name = store.Name
		}
	}
	return name, userID, true
}

// showStorePage serves GET /control/evotor/stores/{store}: the store page,
// or {"store_id", "name", "user_id", "product_ids"} for a client that
// accepts JSON.
func (s *Sandbox) showStorePage(w http.ResponseWriter, r *http.Request) {
	storeID := r.PathValue("store")
	name, userID, ok := s.storeInfo(storeID)
	if !ok {
		if acceptsJSON(r.Header.Values("Accept")) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "store " + storeID + " not found"})
			return
		}
		renderPage(w, http.StatusNotFound, "error", errorPage{Title: "Магазин не найден",
			Message: "Магазина «" + storeID + "» нет в песочнице.", BackURL: "/"})
		return
	}
	if acceptsJSON(r.Header.Values("Accept")) {
		writeJSON(w, http.StatusOK, map[string]any{
			"store_id": storeID, "name": name, "user_id": userID, "product_ids": s.ProductIDs(storeID),
		})
		return
	}

	view := storePageView{StoreID: storeID, StoreName: name, UserID: userID}
	s.catalogMu.Lock()
	c := s.catalogLocked(storeID)
	view.Total = len(c.products)
	var first int
	view.Pager, first = newPager(r, view.Total)
	view.BackURL = r.URL.Path + "?page=" + strconv.Itoa(view.Pager.Page)
	for _, g := range c.groups {
		view.Groups = append(view.Groups, groupOption{ID: g.id, Name: g.name})
	}
	for _, p := range c.products[first:min(first+pageRowsPerPage, len(c.products))] {
		view.Products = append(view.Products, newProductRow(c, p, view.BackURL))
	}
	s.catalogMu.Unlock()
	renderPage(w, http.StatusOK, "evotor_store", view)
}

func newProductRow(c *storeCatalog, p *evotorProduct, backURL string) productRow {
	row := productRow{
		StoreID: c.storeID, ID: p.id, BackURL: backURL,
		Name:        p.name,
		Group:       "—",
		Price:       strings.Replace(formatDecimal(p.price, 2), ".", ",", 1),
		Quantity:    strings.Replace(formatDecimal(p.quantity, 3), ".", ",", 1),
		Measure:     p.measureName,
		AllowToSell: p.allowToSell,
		Service:     p.typ == "SERVICE",
		Updated:     time.UnixMilli(p.updatedAt).UTC().Format(pageTimeFormat),
	}
	if g := c.groupByID[p.parentID]; g != nil {
		row.Group = g.name
	}
	if p.imageID != "" {
		row.ImageURL = "/control/evotor/images/" + p.imageID + evotorImageFileSuffix
	}
	return row
}

// serveControlImage serves a product image without a token, for the store
// page.
func (s *Sandbox) serveControlImage(w http.ResponseWriter, r *http.Request) {
	imageID, _ := strings.CutSuffix(r.PathValue("file"), evotorImageFileSuffix)
	s.catalogMu.Lock()
	_, ok := s.catalogs.images[imageID]
	s.catalogMu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	writeProductImage(w, imageID, false)
}

// productForm returns the store_id and product_id fields of a control form.
func productForm(form url.Values) (string, string, error) {
	storeID, err := formValue(form, "store_id")
	if err != nil {
		return "", "", err
	}
	productID, err := formValue(form, "product_id")
	return storeID, productID, err
}

func setProductPriceAction(s *Sandbox, form url.Values) (any, error) {
	storeID, productID, err := productForm(form)
	if err != nil {
		return nil, err
	}
	price := form.Get("price")
	if err := s.SetProductPrice(storeID, productID, price); err != nil {
		return nil, err
	}
	return map[string]string{"store_id": storeID, "product_id": productID, "price": price}, nil
}

func setProductAllowAction(s *Sandbox, form url.Values) (any, error) {
	storeID, productID, err := productForm(form)
	if err != nil {
		return nil, err
	}
	allow, err := strconv.ParseBool(form.Get("allow_to_sell"))
	if err != nil {
		return nil, &controlError{
			fmt.Sprintf("invalid allow_to_sell %q: expected true or false", form.Get("allow_to_sell")),
			"Поле allow_to_sell должно быть true или false.",
		}
	}
	if err := s.SetProductAllowToSell(storeID, productID, allow); err != nil {
		return nil, err
	}
	return map[string]any{"store_id": storeID, "product_id": productID, "allow_to_sell": allow}, nil
}

func setProductQuantityAction(s *Sandbox, form url.Values) (any, error) {
	storeID, productID, err := productForm(form)
	if err != nil {
		return nil, err
	}
	quantity := form.Get("quantity")
	if err := s.SetProductQuantity(storeID, productID, quantity); err != nil {
		return nil, err
	}
	return map[string]string{"store_id": storeID, "product_id": productID, "quantity": quantity}, nil
}

func renameProductAction(s *Sandbox, form url.Values) (any, error) {
	storeID, productID, err := productForm(form)
	if err != nil {
		return nil, err
	}
	name := form.Get("name")
	if err := s.RenameProduct(storeID, productID, name); err != nil {
		return nil, err
	}
	return map[string]string{"store_id": storeID, "product_id": productID, "name": name}, nil
}

func removeProductAction(s *Sandbox, form url.Values) (any, error) {
	storeID, productID, err := productForm(form)
	if err != nil {
		return nil, err
	}
	if err := s.RemoveProduct(storeID, productID); err != nil {
		return nil, err
	}
	return map[string]any{"store_id": storeID, "product_id": productID, "removed": true}, nil
}

// addProductAction adds a product from the form fields name, price,
// quantity, parent_id, description and image (true for a generated image).
// Empty fields are left out.
func addProductAction(s *Sandbox, form url.Values) (any, error) {
	storeID, err := formValue(form, "store_id")
	if err != nil {
		return nil, err
	}
	fields := map[string]any{"name": form.Get("name")}
	for _, key := range []string{"price", "quantity", "parent_id", "description"} {
		if value := strings.TrimSpace(form.Get(key)); value != "" {
			fields[key] = value
		}
	}
	if form.Get("image") == "true" {
		fields["image"] = true
	}
	id, err := s.AddProduct(storeID, fields)
	if err != nil {
		if _, ok := err.(*controlError); !ok {
			err = &controlError{err.Error(), "Не удалось добавить товар: " + err.Error()}
		}
		return nil, err
	}
	return map[string]string{"store_id": storeID, "id": id}, nil
}
