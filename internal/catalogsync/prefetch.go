package catalogsync

import (
	"context"
	"time"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/evotor"
)

// pictureWorkers is how many pictures are prepared at once. Preparing one
// is an image list and an image download from Evotor, then about 16 ms of
// CPU work, so that the workers spend most of their time waiting on
// Evotor when it responds in tens of milliseconds.
const pictureWorkers = 8

// prepared is a product read from Evotor, mapped, and with its picture.
type prepared struct {
	product catalog.Product
	item    catalog.Item
	// invalid is set instead of product for a product Evotor sent in a
	// form that cannot be read.
	invalid *evotor.InvalidProduct
	pic     picture
	// err is errImageUnavailable, an error that stops the run, or ctx's
	// error.
	err   error
	ready chan struct{} // closed once pic and err are set
}

// closedReady is the ready channel of products that need no picture.
var closedReady = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// prefetch streams the products of the selected groups in the background
// and prepares their pictures, pictureWorkers at a time, so that the CPU
// work and the Evotor reads overlap with the VK requests. It sends the
// products in catalog order, at most a photo round ahead of the consumer.
// The returned function waits until the reader has stopped, which it does
// at the end of the catalog or once ctx ends, and returns its error.
func (p *syncPass) prefetch(ctx context.Context, since time.Time) (<-chan *prepared, func() error) {
	r := p.r
	out := make(chan *prepared, r.s.photoRound())
	workers := make(chan struct{}, pictureWorkers)
	done := make(chan struct{})
	var readErr error

	send := func(product *prepared) error {
		select {
		case out <- product:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	handle := func(product catalog.Product) error {
		if !p.groups.includes(product.ParentID) {
			return nil
		}
		prep := &prepared{product: product, item: catalog.MapProduct(product), ready: make(chan struct{})}
		if err := send(prep); err != nil {
			return err
		}
		select {
		case workers <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		go func() {
			defer func() { <-workers }()
			prep.pic, prep.err = r.picture(ctx, product.ID, prep.item)
			close(prep.ready)
		}()
		return nil
	}
	invalid := func(bad evotor.InvalidProduct) error {
		if !p.groups.includes(bad.ParentID) {
			return nil
		}
		return send(&prepared{invalid: &bad, ready: closedReady})
	}

	go func() {
		defer close(done)
		defer close(out)
		readErr = r.s.Evotor.StreamProducts(ctx, r.evotorToken, r.settings.EvotorStoreID, since, handle, invalid)
		// Wait for the pictures in preparation, so that none outlives the
		// run.
		for range pictureWorkers {
			workers <- struct{}{}
		}
	}()
	return out, func() error {
		<-done
		return readErr
	}
}
