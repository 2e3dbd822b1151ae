package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// executeResult is the decoded body of an execute response.
type executeResult struct {
	Response      json.RawMessage  `json:"response"`
	ExecuteErrors []vkExecuteError `json:"execute_errors"`
	Error         *struct {
		ErrorCode int    `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
	} `json:"error"`
}

// execute posts code to execute as a form, as clients send long programs.
func (h *harness) execute(token, code string) executeResult {
	h.t.Helper()
	form := url.Values{"v": {"5.199"}, "access_token": {token}, "code": {code}}
	r := h.postForm("/vk/method/execute", form)
	if r.status != http.StatusOK {
		h.t.Fatalf("execute: status %d, body %s", r.status, r.body)
	}
	return decodeJSON[executeResult](h.t, r.body)
}

// apiCall renders one call of an execute program.
func apiCall(t *testing.T, method string, params map[string]any) string {
	t.Helper()
	args, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return "API." + method + "(" + string(args) + ")"
}

func addArgs(groupID, photoID int64, name, description string) map[string]any {
	return map[string]any{
		"owner_id": -groupID, "name": name, "description": description,
		"category_id": 1, "price": "120", "main_photo_id": photoID, "deleted": false,
	}
}

func TestExecuteMixedResults(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	h.sb.ResetCounts()
	h.clock.Advance(time.Second)

	calls := []string{
		apiCall(t, "market.add", addArgs(shop, photo, "Сметана 20%", "Густая сметана из сливок.")),
		apiCall(t, "market.add", addArgs(shop, photo, "Кофе молотый", "Рецепты на www.example.com")),
		apiCall(t, "market.edit", map[string]any{"owner_id": -shop, "item_id": 1, "price": "10"}),
		apiCall(t, "market.add", addArgs(shop, photo, "Хлеб ржаной", "Заварной ржаной хлеб.")),
	}
	result := h.execute(token, "return ["+strings.Join(calls, ",\n ")+"];")
	if result.Error != nil {
		t.Fatalf("execute: error %+v", result.Error)
	}

	var slots []json.RawMessage
	if err := json.Unmarshal(result.Response, &slots); err != nil {
		t.Fatalf("response is not an array: %s", result.Response)
	}
	items := h.sb.MarketItems(shop)
	if len(items) != 2 {
		t.Fatalf("items = %d, want 2", len(items))
	}
	want := []string{
		fmt.Sprintf(`{"market_item_id":%d}`, items[0].ID), "false", "false",
		fmt.Sprintf(`{"market_item_id":%d}`, items[1].ID),
	}
	var got []string
	for _, slot := range slots {
		got = append(got, string(slot))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}

	wantErrors := []vkExecuteError{
		{Method: "market.add", ErrorCode: vkErrBadLinks, ErrorMsg: "Item has bad links in description"},
		{Method: "market.edit", ErrorCode: vkErrItemNotFound, ErrorMsg: "Item not found"},
	}
	if diff := cmp.Diff(wantErrors, result.ExecuteErrors); diff != "" {
		t.Errorf("execute_errors (-want +got):\n%s", diff)
	}

	counts := map[string]int{"execute": 1, "market.add": 3, "market.edit": 1}
	for method, want := range counts {
		if n := h.sb.CallCount(ProviderVK, method); n != want {
			t.Errorf("CallCount %s = %d, want %d", method, n, want)
		}
	}
}

func TestExecuteWithoutErrors(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	result := h.execute(token, `return API.groups.get({"filter": "admin", "extended": null});`)
	if result.Error != nil || result.ExecuteErrors != nil {
		t.Fatalf("execute: error %+v, execute_errors %+v", result.Error, result.ExecuteErrors)
	}
	list := decodeJSON[vkList[int64]](t, result.Response)
	if list.Count != 2 {
		t.Errorf("single call response = %s, want the groups.get result", result.Response)
	}
}

func TestExecuteTooManyCalls(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	h.clock.Advance(time.Second)

	calls := make([]string, 26)
	for i := range calls {
		calls[i] = apiCall(t, "market.add", addArgs(shop, photo, fmt.Sprintf("Товар %d", i), "Описание товара."))
	}
	result := h.execute(token, "return ["+strings.Join(calls, ",")+"];")
	if result.Error == nil || result.Error.ErrorCode != vkErrRuntime {
		t.Fatalf("26 calls: error = %+v, want 13", result.Error)
	}
	if !strings.Contains(result.Error.ErrorMsg, "too many API calls") {
		t.Errorf("error_msg = %q", result.Error.ErrorMsg)
	}
	if items := h.sb.MarketItems(shop); len(items) != 0 {
		t.Errorf("items after a rejected execute = %d, want 0", len(items))
	}

	h.clock.Advance(time.Second)
	result = h.execute(token, "return ["+strings.Join(calls[:25], ",")+"];")
	if result.Error != nil || len(h.sb.MarketItems(shop)) != 25 {
		t.Errorf("25 calls: error %+v, %d items; want success with 25", result.Error, len(h.sb.MarketItems(shop)))
	}
}

func TestExecuteCompileErrors(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	programs := []string{
		"",
		"var a = 1; return a;",
		"return [API.market.add({owner_id: -1})];",
		`return [API.market.add({"owner_id": -1})`,
		`return [API.market.add({"owner_id": -1}) API.market.add({})];`,
		`return API.market.add({"photo": {"id": 1}});`,
		`return API.market({"a": 1});`,
		`return [API.market.add("text")];`,
		`return [API.groups.get()]; return 1;`,
	}
	for _, code := range programs {
		h.clock.Advance(time.Second)
		result := h.execute(token, code)
		if result.Error == nil || result.Error.ErrorCode != vkErrCompile {
			t.Errorf("code %q: error = %+v, want 12", code, result.Error)
			continue
		}
		if !strings.HasPrefix(result.Error.ErrorMsg, "Unable to compile code") {
			t.Errorf("code %q: error_msg = %q", code, result.Error.ErrorMsg)
		}
	}
}

func TestExecuteUnknownInnerMethod(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	result := h.execute(token, `return [API.wall.post({"message": "привет"}), API.groups.get({})];`)
	if string(result.Response[:7]) != "[false," {
		t.Errorf("response = %s, want false for wall.post", result.Response)
	}
	want := []vkExecuteError{{Method: "wall.post", ErrorCode: vkErrUnknownMethod, ErrorMsg: vkMsgUnknownMethod}}
	if diff := cmp.Diff(want, result.ExecuteErrors); diff != "" {
		t.Errorf("execute_errors (-want +got):\n%s", diff)
	}
}

func TestExecuteCountsOnceForRateLimit(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	calls := make([]string, 25)
	for i := range calls {
		calls[i] = apiCall(t, "groups.get", map[string]any{"filter": "admin", "offset": strconv.Itoa(i % 2)})
	}
	if result := h.execute(token, "return ["+strings.Join(calls, ",")+"];"); result.Error != nil {
		t.Fatalf("execute with 25 calls: error %+v", result.Error)
	}
	for i := range 2 {
		if code := h.callVK("users.get", token, nil).vkErrorCode(); code != 0 {
			t.Errorf("call %d after the execute: error %d, want success", i+2, code)
		}
	}
	if code := h.callVK("users.get", token, nil).vkErrorCode(); code != vkErrTooManyRequests {
		t.Errorf("4th request in a second: error %d, want 6", code)
	}
}

// TestCatalogAndMarketConcurrentUse runs catalog reads and changes, photo
// uploads and execute calls in parallel so that the race detector can
// check the locking of the catalog and Market state.
func TestCatalogAndMarketConcurrentUse(t *testing.T) {
	h := newHarness(t, Config{Now: time.Now, CatalogSize: 60, EvotorPageSize: 7})
	token, storeID := h.firstStore()
	ids := h.sb.ProductIDs(storeID)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			h.walkProducts(token, storeID, nil)
			for j := range 10 {
				if err := h.sb.SetProductPrice(storeID, ids[(i*10+j)%len(ids)], strconv.Itoa(j)); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			user := VKUser{ID: int64(100 + i), FirstName: "Олег"}
			vkToken := h.sb.MintVKToken(user)
			photo := h.savePhoto(vkToken, shopOf(user))
			call := apiCall(t, "market.add", addArgs(shopOf(user), photo, "Товар для проверки", "Описание товара."))
			result := h.execute(vkToken, "return ["+call+","+call+"];")
			if result.Error != nil || len(result.ExecuteErrors) != 0 {
				t.Errorf("execute: %+v %+v", result.Error, result.ExecuteErrors)
			}
			h.get("/vk/market/" + strconv.FormatInt(shopOf(user), 10))
		})
	}
	wg.Wait()
}
