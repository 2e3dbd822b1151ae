package sandbox

import (
	"strconv"
	"strings"
)

func init() {
	// VK returns the profile of a deleted or banned owner, with the
	// "deactivated" field, instead of error 18.
	registerVKMethod("users.get", vkMethod{handle: (*Sandbox).vkUsersGet, allowDeactivated: true})
}

// vkUserObject is a user object of users.get.
type vkUserObject struct {
	ID              int64  `json:"id"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Deactivated     string `json:"deactivated,omitempty"`
	CanAccessClosed bool   `json:"can_access_closed"`
	IsClosed        bool   `json:"is_closed"`
}

func newVKUserObject(u VKUser) vkUserObject {
	return vkUserObject{
		ID:              u.ID,
		FirstName:       u.FirstName,
		LastName:        u.LastName,
		Deactivated:     u.Deactivated,
		CanAccessClosed: true,
	}
}

// vkUsersGet implements users.get. Without user_ids it returns the token's
// owner. With numeric user_ids it returns the users stored in the sandbox,
// in request order, and error 113 when none of them is stored.
// NOTE: screen names in user_ids and the fields parameter are not supported.
func (s *Sandbox) vkUsersGet(c *vkCall) (any, *vkError) {
	list := c.params.Get("user_ids")
	if list == "" {
		list = c.params.Get("user_id")
	}
	if list == "" {
		return []vkUserObject{newVKUserObject(c.user)}, nil
	}

	ids, err := parseVKUserIDs(list)
	if err != nil {
		return nil, err
	}
	users := make([]vkUserObject, 0, len(ids))
	s.mu.RLock()
	for _, id := range ids {
		if u, ok := s.vkUsers[id]; ok {
			users = append(users, newVKUserObject(u))
		}
	}
	s.mu.RUnlock()
	if len(users) == 0 {
		return nil, &vkError{code: vkErrInvalidUserID, msg: vkMsgInvalidUserID}
	}
	return users, nil
}

// parseVKUserIDs parses a comma-separated list of positive user ids.
func parseVKUserIDs(list string) ([]int64, *vkError) {
	var ids []int64
	for field := range strings.SplitSeq(list, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(field), 10, 64)
		if err != nil || id <= 0 {
			return nil, &vkError{code: vkErrInvalidUserID, msg: vkMsgInvalidUserID}
		}
		ids = append(ids, id)
	}
	return ids, nil
}
