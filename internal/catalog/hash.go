package catalog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
)

// contentHashVersion starts every hashed input. Changing the set or encoding
// of hashed fields requires a new version, which makes every stored hash
// differ once and so updates every item in the next run.
const contentHashVersion = "evosync-item-v1"

// ContentHash returns a hex SHA-256 over everything EvoSync writes to VK for
// the item: name, description, price, SKU, hidden state, album (GroupID), the
// VK category id and the photo key (the hash of the uploaded picture, see
// photo.Hash). Equal inputs give equal hashes across runs and releases that
// keep contentHashVersion, and a change in any of them changes the hash.
// HiddenReason is left out because it is only shown in the preview.
func (it Item) ContentHash(categoryID int, photoKey string) string {
	h := sha256.New()
	writeHashField(h, contentHashVersion)
	writeHashField(h, it.Name)
	writeHashField(h, it.Description)
	writeHashField(h, strconv.FormatInt(int64(it.Price), 10))
	writeHashField(h, it.SKU)
	writeHashField(h, strconv.FormatBool(it.Hidden))
	writeHashField(h, it.GroupID)
	writeHashField(h, strconv.Itoa(categoryID))
	writeHashField(h, photoKey)
	return hex.EncodeToString(h.Sum(nil))
}

// writeHashField writes the length of s before s, so that moving text from one
// field to the next changes the hash.
func writeHashField(h hash.Hash, s string) {
	var length [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(length[:], uint64(len(s)))
	h.Write(length[:n])
	h.Write([]byte(s))
}

// Action is the operation a sync run performs for one product, as listed in
// the preview.
type Action string

const (
	// ActionCreate adds a VK item for a product that has none yet.
	ActionCreate Action = "create"
	// ActionUpdate edits a VK item whose content hash differs from the stored
	// one.
	ActionUpdate Action = "update"
	// ActionHide edits a VK item so that it is hidden (deleted=1), because the
	// product is no longer for sale (Item.Hidden).
	ActionHide Action = "hide"
	// ActionRemove deletes the VK item of a product that no longer exists in
	// Evotor.
	ActionRemove Action = "remove"
	// ActionUnchanged leaves a VK item whose content hash matches the stored
	// one.
	ActionUnchanged Action = "unchanged"
)
