package sandbox

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() {
	registerVKMethod("groups.get", vkMethod{handle: (*Sandbox).vkGroupsGet})
}

// VKGroup is a VK community that a sandbox user administers.
type VKGroup struct {
	ID            int64 // positive; market methods take it negated as owner_id
	Name          string
	ScreenName    string
	MarketEnabled bool
}

// Every VK user that the sandbox stores administers two communities, whose
// ids are the user id times 10 plus one of these suffixes. The ids are
// therefore stable across restarts and never shared between users.
const (
	vkShopGroupSuffix = 1 // Market enabled
	vkBlogGroupSuffix = 2 // Market disabled, so market methods return error 1438
	vkGroupIDFactor   = 10
)

// vkGroupsOf returns the communities of a user.
func vkGroupsOf(u VKUser) []VKGroup {
	if u.ID <= 0 || u.ID > math.MaxInt64/vkGroupIDFactor-vkGroupIDFactor {
		return nil
	}
	owner := genitiveName(u.FirstName)
	if owner == "" {
		owner = "пользователя " + strconv.FormatInt(u.ID, 10)
	}
	shop := u.ID*vkGroupIDFactor + vkShopGroupSuffix
	blog := u.ID*vkGroupIDFactor + vkBlogGroupSuffix
	return []VKGroup{
		{ID: shop, Name: "Магазин " + owner, ScreenName: "public" + strconv.FormatInt(shop, 10), MarketEnabled: true},
		{ID: blog, Name: "Блог " + owner, ScreenName: "public" + strconv.FormatInt(blog, 10)},
	}
}

// VKGroups returns the communities that the user administers, or nil for a
// user that the sandbox does not store.
func (s *Sandbox) VKGroups(userID int64) []VKGroup {
	s.mu.RLock()
	u, ok := s.vkUsers[userID]
	s.mu.RUnlock()
	if !ok {
		return nil
	}
	return vkGroupsOf(u)
}

// vkGroup returns a community and the id of the user who administers it.
func (s *Sandbox) vkGroup(groupID int64) (VKGroup, int64, bool) {
	if groupID <= 0 {
		return VKGroup{}, 0, false
	}
	adminID := groupID / vkGroupIDFactor
	for _, g := range s.VKGroups(adminID) {
		if g.ID == groupID {
			return g, adminID, true
		}
	}
	return VKGroup{}, 0, false
}

// genitiveNames are first names whose genitive case the suffix rules of
// genitiveName get wrong.
var genitiveNames = map[string]string{"Пётр": "Петра", "Павел": "Павла", "Лев": "Льва"}

// genitiveName returns a Russian first name in the genitive case for a
// community name such as "Магазин Ивана". Common endings follow the rules
// of Russian grammar. A name in another alphabet is returned in quotes.
func genitiveName(first string) string {
	first = strings.TrimSpace(first)
	if first == "" {
		return ""
	}
	if g, ok := genitiveNames[first]; ok {
		return g
	}
	last, size := utf8.DecodeLastRuneInString(first)
	stem := first[:len(first)-size]
	prev, _ := utf8.DecodeLastRuneInString(stem)
	switch {
	case last == 'а' && strings.ContainsRune("гкхжчшщ", prev):
		return stem + "и"
	case last == 'а':
		return stem + "ы"
	case last == 'я':
		return stem + "и"
	case last == 'й' || last == 'ь':
		return stem + "я"
	case strings.ContainsRune("бвгджзклмнпрстфхцчшщ", last):
		return first + "а"
	}
	return "«" + first + "»"
}

// vkGroupObject is a community object of groups.get with extended=1.
type vkGroupObject struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	ScreenName   string        `json:"screen_name"`
	IsClosed     int           `json:"is_closed"`
	Type         string        `json:"type"`
	IsAdmin      int           `json:"is_admin"`
	AdminLevel   int           `json:"admin_level"`
	IsMember     int           `json:"is_member"`
	IsAdvertiser int           `json:"is_advertiser"`
	Market       vkGroupMarket `json:"market"`
}

type vkGroupMarket struct {
	Enabled int `json:"enabled"`
}

// vkList is the {"count", "items"} shape of VK's list responses.
type vkList[T any] struct {
	Count int `json:"count"`
	Items []T `json:"items"`
}

// vkGroupsGet implements groups.get for the token's owner: the two
// communities the owner administers, as ids or, with extended=1, as
// objects with the market field. The filter, fields, offset and count
// parameters are accepted, and only offset and count change the result.
// NOTE: the sandbox always sends the market field, which VK may send only
// when fields lists "market".
func (s *Sandbox) vkGroupsGet(c *vkCall) (any, *vkError) {
	groups := vkGroupsOf(c.user)
	offset, count, vkErr := offsetCount(c, 1000, 1000)
	if vkErr != nil {
		return nil, vkErr
	}
	page := groups[min(offset, len(groups)):min(offset+count, len(groups))]

	if c.params.Get("extended") != "1" {
		ids := make([]int64, len(page))
		for i, g := range page {
			ids[i] = g.ID
		}
		return vkList[int64]{Count: len(groups), Items: ids}, nil
	}
	items := make([]vkGroupObject, len(page))
	for i, g := range page {
		items[i] = vkGroupObject{
			ID: g.ID, Name: g.Name, ScreenName: g.ScreenName, Type: "page",
			IsAdmin: 1, AdminLevel: 3, IsMember: 1,
			Market: vkGroupMarket{Enabled: boolInt(g.MarketEnabled)},
		}
	}
	return vkList[vkGroupObject]{Count: len(groups), Items: items}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// offsetCount reads the offset and count parameters. A missing count is
// defaultCount and a count above maxCount is cut to maxCount, as VK does.
func offsetCount(c *vkCall, defaultCount, maxCount int) (int, int, *vkError) {
	offset, count := 0, defaultCount
	if text := c.params.Get("offset"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 0 {
			return 0, 0, invalidParam("offset must be a non-negative integer, got %q", text)
		}
		offset = n
	}
	if text := c.params.Get("count"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 0 {
			return 0, 0, invalidParam("count must be a non-negative integer, got %q", text)
		}
		count = min(n, maxCount)
	}
	return offset, count, nil
}
