package catalogsync

import (
	"errors"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/internal/catalog"
)

// opKind is the kind of VK change a queued operation makes.
type opKind int

const (
	// opCreate adds a VK item with market.add.
	opCreate opKind = iota
	// opEdit rewrites a mapped VK item with market.edit.
	opEdit
	// opAdopt rewrites, with market.edit, an unmapped VK item that an
	// interrupted run created for the product, and maps it.
	opAdopt
	// opAlbum only moves an unchanged item into its album.
	opAlbum
)

// itemOp is the work queued for one product.
type itemOp struct {
	kind   opKind
	action catalog.Action // ActionCreate, ActionUpdate or ActionHide, for the counters

	productID string
	item      catalog.Item
	hash      string // content hash of what is written
	pic       picture
	photoID   int64
	// photoReused is set when photoID comes from an upload of an earlier
	// run, which VK may have lost since.
	photoReused bool
	// photoRefreshed is set once the picture was uploaded again because VK
	// rejected the reused photo.
	photoRefreshed bool
	// albumGroup is the Evotor group whose album the item belongs in, ""
	// for none.
	albumGroup string
	// row is the product's mapping; nil for opCreate and opAdopt.
	row      *ent.SyncItem
	vkItemID int64 // the item that opEdit, opAdopt and opAlbum change
	// attempts counts the writes VK rejected with a retryable error.
	attempts int
	// noAdopt keeps an opCreate from adopting, after the adopted item
	// turned out to be gone.
	noAdopt bool
}

// writes reports whether the op sends market.add or market.edit.
func (op *itemOp) writes() bool { return op.kind != opAlbum }

// currentAlbum is the Evotor group whose album the item is in now.
func (op *itemOp) currentAlbum() string {
	if op.row == nil {
		return ""
	}
	return op.row.AlbumGroupID
}

var (
	// errImageUnavailable means the product's Evotor image could not be
	// downloaded, so the product is recorded as failed in this run.
	errImageUnavailable = errors.New("Evotor product image unavailable")
	// errImageUnreadable means the product's Evotor image could not be
	// decoded. A new item gets a placeholder and a published one keeps
	// its photo.
	errImageUnreadable = errors.New("Evotor product image cannot be decoded")
)

// decide returns what a run does with a product whose item hashes to hash:
// create it when there is no row, leave it when the hash is the stored
// one, hide it when it becomes hidden, and update it otherwise.
func decide(row *ent.SyncItem, hash string, hidden bool) catalog.Action {
	switch {
	case row == nil:
		return catalog.ActionCreate
	case row.ContentHash == hash:
		return catalog.ActionUnchanged
	case hidden && !row.Hidden:
		return catalog.ActionHide
	default:
		return catalog.ActionUpdate
	}
}

// plan decides what to do with a prepared product. It returns nil for a
// product that needs no VK call, after counting it.
func (p *syncPass) plan(prep *prepared, row *ent.SyncItem) (*itemOp, error) {
	r := p.r
	product, item, pic := prep.product, prep.item, prep.pic
	if errors.Is(prep.err, errImageUnavailable) {
		r.counts.processed++
		r.recordFailure(product.ID, item.Name, msgImageUnavailable)
		return nil, nil
	}
	if errors.Is(prep.err, errImageUnreadable) && row != nil && row.PhotoHash != "" {
		// The image may be cut short by a failing download as well as
		// broken for good, so the item keeps the photo VK has. The
		// placeholder is uploaded only if that photo is gone from VK.
		pic.key = row.PhotoHash
	} else if prep.err != nil && !errors.Is(prep.err, errImageUnreadable) {
		return nil, prep.err
	}

	op := &itemOp{
		productID:  product.ID,
		item:       item,
		hash:       item.ContentHash(p.categoryID, pic.key),
		pic:        pic,
		albumGroup: p.groups.albumGroup(product.ParentID),
		row:        row,
	}
	if f, ok := r.rejected[product.ID]; ok && f.ContentHash == op.hash {
		// VK rejected exactly this content last time; sending it again
		// would cost a write and fail the same way.
		r.counts.processed++
		r.recordRejection(product.ID, item.Name, f.Message, op.hash)
		return nil, nil
	}
	op.action = decide(row, op.hash, item.Hidden)
	if row != nil && p.vanished(row) {
		// The item is gone from VK. The new item's mapping replaces the
		// row, and without a row it is placed in its album again.
		r.log.Debug("VK item is gone from the community, creating it again",
			"product_id", product.ID, "vk_item_id", row.VkItemID)
		op.action, op.row = catalog.ActionCreate, nil
	}
	switch op.action {
	case catalog.ActionCreate:
		op.kind = opCreate
	case catalog.ActionUnchanged:
		r.counts.unchanged++
		r.counts.processed++
		if row.AlbumGroupID == op.albumGroup {
			return nil, nil
		}
		// The item is right but not in its album, because a run stopped
		// between writing it and adding it to the album.
		op.kind, op.vkItemID, op.pic = opAlbum, row.VkItemID, picture{}
	default:
		op.kind, op.vkItemID = opEdit, row.VkItemID
	}
	return op, nil
}
