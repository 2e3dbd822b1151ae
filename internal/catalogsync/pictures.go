package catalogsync

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/catalog/photo"
)

// maxCachedPictures bounds the picture cache; when it is full the cache
// starts over. 100 000 entries take about 20 MB.
const maxCachedPictures = 100_000

const msgImageUnavailable = "Не удалось загрузить фотографию товара из Эвотора: повторим при следующей синхронизации"

// picture is the photo EvoSync publishes for a product: the Evotor image
// enlarged to VK's minimum size, or a placeholder drawn from the name.
type picture struct {
	key      string // photo.Hash of the bytes
	filename string // with the extension of the format, for the upload
	data     []byte // nil when the bytes come from render
	render   func() ([]byte, error)
}

// bytes returns the picture's file, drawing it again when only its key
// was cached.
func (pic picture) bytes() ([]byte, error) {
	if pic.data != nil {
		return pic.data, nil
	}
	return pic.render()
}

// pictureCache remembers the key of each picture a worker prepared, by the
// hash of the Evotor image or by the placeholder's name, so an unchanged
// catalog is not drawn again on every run. It is safe for concurrent use.
type pictureCache struct {
	mu   sync.Mutex
	keys map[string]string
	// slots bounds the pictures drawn at once to the number of CPUs, so
	// that downloads may run many at a time while the CPU work and its
	// memory stay bounded.
	slots chan struct{}
}

// draw runs render in one of the cache's slots.
func (c *pictureCache) draw(render func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if c.slots == nil {
		c.slots = make(chan struct{}, runtime.GOMAXPROCS(0))
	}
	slots := c.slots
	c.mu.Unlock()
	slots <- struct{}{}
	defer func() { <-slots }()
	return render()
}

func (c *pictureCache) get(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key, ok := c.keys[id]
	return key, ok
}

func (c *pictureCache) put(id, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= maxCachedPictures {
		c.keys = make(map[string]string)
	}
	c.keys[id] = key
}

// picture downloads the product's Evotor image and prepares it, or draws
// a placeholder when there is none. A download that keeps failing returns
// errImageUnavailable. An image that cannot be decoded returns a
// placeholder with errImageUnreadable, so that an item already in VK can
// keep its photo. It is safe for concurrent use.
func (r *runner) picture(ctx context.Context, productID string, item catalog.Item) (picture, error) {
	var image []byte
	err := r.retry(ctx, "download Evotor product image", func() error {
		var err error
		image, err = r.s.Evotor.ProductImage(ctx, r.evotorToken, r.settings.EvotorStoreID, productID)
		return err
	})
	if stop := evotorAuthStop(err); stop != nil {
		return picture{}, stop
	}
	if err != nil {
		if ctx.Err() != nil {
			return picture{}, ctx.Err()
		}
		r.log.Warn("Evotor product image unavailable", "product_id", productID, "error", err)
		return picture{}, errImageUnavailable
	}

	if image == nil {
		return r.s.pictures.placeholder(item.Name)
	}
	pic, err := r.s.pictures.prepared(image)
	if err == nil {
		return pic, nil
	}
	r.log.Warn("Evotor product image cannot be prepared", "product_id", productID, "error", err)
	pic, err = r.s.pictures.placeholder(item.Name)
	if err != nil {
		return picture{}, err
	}
	return pic, errImageUnreadable
}

// prepared returns the Evotor image enlarged for VK.
func (c *pictureCache) prepared(image []byte) (picture, error) {
	id := "image:" + photo.Hash(image)
	render := func() ([]byte, error) {
		return c.draw(func() ([]byte, error) { return photo.Prepare(image) })
	}
	pic := picture{filename: "product.jpg", render: render}
	if key, ok := c.get(id); ok {
		pic.key = key
		return pic, nil
	}
	data, err := render()
	if err != nil {
		return picture{}, err
	}
	pic.data, pic.key = data, photo.Hash(data)
	c.put(id, pic.key)
	return pic, nil
}

// placeholder returns the picture drawn for a product without an image.
func (c *pictureCache) placeholder(name string) (picture, error) {
	id := "placeholder:" + name
	render := func() ([]byte, error) {
		return c.draw(func() ([]byte, error) { return photo.Placeholder(name) })
	}
	pic := picture{filename: "product.png", render: render}
	if key, ok := c.get(id); ok {
		pic.key = key
		return pic, nil
	}
	data, err := render()
	if err != nil {
		return picture{}, fmt.Errorf("draw placeholder: %w", err)
	}
	pic.data, pic.key = data, photo.Hash(data)
	c.put(id, pic.key)
	return pic, nil
}
