package catalogsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/syncphoto"
	"github.com/evosync/evosync/internal/vk"
)

// execute sends calls in one execute request and retries the whole
// request on retryable errors. A write runs under a detached context, so
// that its response is not lost when ctx ends mid-request.
func (r *runner) execute(ctx context.Context, what string, calls []vk.ExecCall,
	write bool) ([]vk.ExecResult, error) {
	callCtx := ctx
	if write {
		detached, cancel := detach(ctx)
		defer cancel()
		callCtx = detached
	}
	var results []vk.ExecResult
	err := r.retry(ctx, what, func() error {
		var err error
		results, err = r.s.VK.Execute(callCtx, r.vkToken, calls)
		return err
	})
	if err != nil {
		if stop := vkStop(err); stop != nil {
			return nil, stop
		}
		return nil, fromVK(err)
	}
	return results, nil
}

// uploadsInFlight is how many uploads a run posts to VK's upload servers at
// once. The posts are not API requests, so the rate limit does not apply.
const uploadsInFlight = 4

// needsPhoto reports whether the op writes an item and has no photo id yet.
func (op *itemOp) needsPhoto() bool { return op.writes() && op.photoID == 0 }

// photoRound is up to one round of pictures on their way to VK. Its
// upload URLs are known and its files are posted in the background while
// the items of the previous round are written.
type photoRound struct {
	pictures map[string]picture
	keys     []string
	ids      map[string]int64  // VK photo ids by picture key
	known    map[string]bool   // keys whose id an earlier run recorded
	failures map[string]string // Russian reasons by picture key
	uploads  []upload
	errs     []error       // the posting error of each upload
	posted   chan struct{} // closed once every upload has been posted
}

// attachPhotos gives the queued operations the VK ids of their pictures.
// When an operation of the next batch has none, it finishes the round in
// flight, or uploads a round now. Then it starts the next round, so that
// its files are posted while the batches of this one are written. A round
// takes up to photoRound pictures of the queue in order, so that its
// upload URLs and its saves each fill one execute request. Until the
// catalog has been read, only a full round starts. Operations whose
// picture VK rejected leave the queue and are recorded as failed.
func (p *syncPass) attachPhotos(ctx context.Context) error {
	for range 2 {
		next := p.pending[:min(len(p.pending), p.r.s.batchSize())]
		if !slices.ContainsFunc(next, (*itemOp).needsPhoto) {
			break
		}
		if p.round == nil {
			if err := p.startRound(ctx); err != nil {
				return err
			}
		}
		if p.round == nil {
			break
		}
		if err := p.finishRound(ctx); err != nil {
			return err
		}
	}
	if p.round != nil || (!p.draining && p.unrounded() < p.r.s.photoRound()) {
		return nil
	}
	return p.startRound(ctx)
}

// unrounded counts the queued operations that need a photo and are not
// in the round in flight.
func (p *syncPass) unrounded() int {
	n := 0
	for _, op := range p.pending {
		if !op.needsPhoto() {
			continue
		}
		if p.round != nil {
			if _, ok := p.round.pictures[op.pic.key]; ok {
				continue
			}
		}
		n++
	}
	return n
}

// readyToFlush reports whether the queue holds what the next flush needs,
// before the catalog is read to its end. With a round in flight the next
// batch can be written, or waits only for that round. Without one, the
// queue first collects a full round of operations that need a photo, so
// that the round can start and its files are posted while the batches
// before it are written. Operations that need no photo, such as album
// moves, are sent once two rounds of them wait, so the queue stays short.
func (p *syncPass) readyToFlush() bool {
	if p.round != nil {
		return len(p.pending) >= p.r.s.batchSize()
	}
	unrounded := p.unrounded()
	return unrounded >= p.r.s.photoRound() || len(p.pending)-unrounded >= 2*p.r.s.photoRound()
}

// startRound takes the next pictures of the queue that have no VK id and
// no round yet, looks up those uploaded before, gets upload URLs for the
// others with one execute request and starts posting them.
func (p *syncPass) startRound(ctx context.Context) error {
	round := &photoRound{pictures: map[string]picture{}, failures: map[string]string{}}
	for _, op := range p.pending {
		if _, ok := round.pictures[op.pic.key]; !op.needsPhoto() || ok {
			continue
		}
		if len(round.keys) == p.r.s.photoRound() {
			break
		}
		round.pictures[op.pic.key] = op.pic
		round.keys = append(round.keys, op.pic.key)
	}
	if len(round.keys) == 0 {
		return nil
	}

	ids, err := p.knownPhotos(ctx, round.keys)
	if err != nil {
		return err
	}
	round.ids, round.known = ids, make(map[string]bool, len(ids))
	var missing []string
	for _, key := range round.keys {
		if _, ok := ids[key]; ok {
			round.known[key] = true
		} else {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		round.uploads, err = p.uploadServers(ctx, chunk(missing, vk.MaxBulkPhotos), round.failures)
		if err != nil {
			return err
		}
	}
	round.errs = make([]error, len(round.uploads))
	round.posted = make(chan struct{})
	go func() {
		defer close(round.posted)
		p.postAll(ctx, round.uploads, round.errs, round.pictures)
	}()
	p.round = round
	return nil
}

// finishRound waits until the files of the round in flight are posted,
// saves them, uploads alone the pictures of rejected bulk uploads and gives
// the queued operations their photo ids.
func (p *syncPass) finishRound(ctx context.Context) error {
	round := p.round
	select {
	case <-round.posted:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.round = nil

	posted, again, err := p.sortPosted(round.uploads, round.errs, round.failures)
	if err != nil {
		return err
	}
	if len(posted) > 0 {
		rejected, err := p.savePhotos(ctx, posted, round.ids, round.failures)
		if err != nil {
			return err
		}
		again = append(again, rejected...)
	}
	if len(again) > 0 {
		p.r.log.Info("VK rejected a bulk photo upload, uploading its pictures one by one",
			"pictures", len(again))
		_, err := p.uploadGroups(ctx, chunk(again, 1), round.pictures, round.ids, round.failures)
		if err != nil {
			return err
		}
	}
	for _, key := range round.keys {
		_, saved := round.ids[key]
		if _, failed := round.failures[key]; !saved && !failed {
			round.failures[key] = msgPhotoRejected
		}
	}
	p.applyPhotos(round.ids, round.known, round.failures)
	return nil
}

// waitRound lets the posts of a round in flight end, so that none outlives
// the run. Their files are not saved: a later run uploads them again.
func (p *syncPass) waitRound() {
	if p.round != nil {
		<-p.round.posted
		p.round = nil
	}
}

// applyPhotos sets the photo id of each queued operation whose picture has
// one and drops the picture's bytes, which are no longer needed. It removes
// the operations whose picture VK rejected from the queue and records them
// as failed.
func (p *syncPass) applyPhotos(ids map[string]int64, known map[string]bool, failures map[string]string) {
	r := p.r
	remaining := p.pending[:0]
	for _, op := range p.pending {
		if !op.needsPhoto() {
			remaining = append(remaining, op)
			continue
		}
		if id, ok := ids[op.pic.key]; ok {
			op.photoID, op.photoReused = id, known[op.pic.key]
			op.pic.data = nil
			remaining = append(remaining, op)
			continue
		}
		message, failed := failures[op.pic.key]
		if !failed {
			remaining = append(remaining, op)
			continue
		}
		r.counts.processed++
		r.recordFailure(op.productID, op.item.Name, message)
	}
	clear(p.pending[len(remaining):])
	p.pending = remaining
}

// knownPhotos returns the VK photo ids of the pictures already uploaded to
// the community, by picture key.
func (p *syncPass) knownPhotos(ctx context.Context, keys []string) (map[string]int64, error) {
	rows, err := p.r.s.DB.SyncPhoto.Query().
		Where(syncphoto.VkGroupID(p.r.groupID()), syncphoto.ContentHashIn(keys...)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load uploaded photos: %w", err)
	}
	ids := make(map[string]int64, len(rows))
	for _, row := range rows {
		ids[row.ContentHash] = row.VkPhotoID
	}
	return ids, nil
}

// forgetPhoto drops the recorded VK photo of a picture that VK rejected
// in an item, so that the picture is uploaded again: for the queued
// operations at once, and in SyncPhoto with dropForgottenPhotos.
func (p *syncPass) forgetPhoto(key string) {
	p.forgotten = append(p.forgotten, key)
	for _, op := range p.pending {
		if op.pic.key == key && op.photoReused {
			op.photoID, op.photoReused = 0, false
		}
	}
}

// dropForgottenPhotos deletes the SyncPhoto rows of the pictures that
// forgetPhoto named.
func (p *syncPass) dropForgottenPhotos(ctx context.Context) error {
	if len(p.forgotten) == 0 {
		return nil
	}
	keys := p.forgotten
	p.forgotten = nil
	_, err := p.r.s.DB.SyncPhoto.Delete().
		Where(syncphoto.VkGroupID(p.r.groupID()), syncphoto.ContentHashIn(keys...)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("forget %d rejected photos: %w", len(keys), err)
	}
	return nil
}

// upload is up to vk.MaxBulkPhotos pictures on their way to VK through
// one upload URL.
type upload struct {
	keys   []string
	url    string
	answer json.RawMessage
}

// chunk splits keys into slices of at most n.
func chunk(keys []string, n int) [][]string {
	var chunks [][]string
	for start := 0; start < len(keys); start += n {
		chunks = append(chunks, keys[start:min(start+n, len(keys))])
	}
	return chunks
}

// uploadGroups uploads each group of pictures through an upload URL of
// its own, with two execute requests per batch of groups: one gets the
// URLs (market.getProductPhotoUploadServer with bulk=1) and one saves the
// posted files (market.saveProductPhotoBulk). It records each photo in
// SyncPhoto right after VK saves it, adds its id to ids and the Russian
// reason of each rejected picture to failures. It returns the pictures of
// groups of more than one that VK rejected for their content, to be tried
// alone.
func (p *syncPass) uploadGroups(ctx context.Context, groups [][]string, pictures map[string]picture,
	ids map[string]int64, failures map[string]string) (again []string, err error) {
	for start := 0; start < len(groups); start += p.r.s.batchSize() {
		batch := groups[start:min(start+p.r.s.batchSize(), len(groups))]
		uploads, err := p.uploadServers(ctx, batch, failures)
		if err != nil {
			return nil, err
		}
		errs := make([]error, len(uploads))
		p.postAll(ctx, uploads, errs, pictures)
		posted, rejected, err := p.sortPosted(uploads, errs, failures)
		if err != nil {
			return nil, err
		}
		again = append(again, rejected...)
		if len(posted) == 0 {
			continue
		}
		rejected, err = p.savePhotos(ctx, posted, ids, failures)
		if err != nil {
			return nil, err
		}
		again = append(again, rejected...)
	}
	return again, nil
}

// uploadServers gets one bulk upload URL per group in one execute request.
// A group whose URL VK rejected is recorded in failures.
func (p *syncPass) uploadServers(ctx context.Context, groups [][]string,
	failures map[string]string) ([]upload, error) {
	r := p.r
	calls := make([]vk.ExecCall, len(groups))
	for i := range groups {
		calls[i] = vk.ExecCall{
			Method: "market.getProductPhotoUploadServer",
			Params: map[string]any{"group_id": r.groupID(), "bulk": 1},
		}
	}
	results, err := r.execute(ctx, "get photo upload servers", calls, false)
	if err != nil {
		return nil, err
	}

	uploads := make([]upload, 0, len(groups))
	for i, res := range results {
		var server vk.UploadServer
		switch {
		case res.Err != nil:
			failAll(failures, groups[i], itemMessage(res.Err))
			r.log.Warn("VK rejected a photo upload server request", "error_code", res.Err.Code, "error", res.Err.Message)
		case json.Unmarshal(res.Response, &server) != nil || server.UploadURL == "":
			err := fmt.Errorf("unexpected market.getProductPhotoUploadServer response %.200s", res.Response)
			return nil, fromVK(err)
		default:
			uploads = append(uploads, upload{keys: groups[i], url: server.UploadURL})
		}
	}
	return uploads, nil
}

// failAll records one reason for every picture of keys.
func failAll(failures map[string]string, keys []string, message string) {
	for _, key := range keys {
		failures[key] = message
	}
}

// postAll posts the files of the uploads, uploadsInFlight at a time, and
// stores the server's response or the error of each. It may run while the
// run goes on, because it writes only to uploads and errs.
func (p *syncPass) postAll(ctx context.Context, uploads []upload, errs []error,
	pictures map[string]picture) {
	var group errgroup.Group
	group.SetLimit(uploadsInFlight)
	for i := range uploads {
		group.Go(func() error {
			uploads[i].answer, errs[i] = p.postPhoto(ctx, uploads[i], pictures)
			return nil
		})
	}
	group.Wait()
}

// sortPosted returns the uploads that the server accepted, and the
// pictures of uploads of several files that it rejected, to be tried
// alone. A rejected single picture is recorded in failures. Any other
// posting error stops the run.
func (p *syncPass) sortPosted(uploads []upload, errs []error,
	failures map[string]string) (posted []upload, again []string, err error) {
	for i, u := range uploads {
		var uploadErr *vk.UploadError
		switch {
		case errors.As(errs[i], &uploadErr) && len(u.keys) > 1:
			again = append(again, u.keys...)
			p.r.log.Warn("VK upload server rejected a bulk photo upload",
				"pictures", len(u.keys), "error", errs[i])
		case errors.As(errs[i], &uploadErr):
			failAll(failures, u.keys, msgPhotoRejected)
			p.r.log.Warn("VK upload server rejected a photo", "error", errs[i])
		case errs[i] != nil:
			return nil, nil, errs[i]
		default:
			posted = append(posted, u)
		}
	}
	return posted, again, nil
}

// postPhoto posts the pictures of one upload to its URL, retrying
// temporary failures.
func (p *syncPass) postPhoto(ctx context.Context, u upload,
	pictures map[string]picture) (json.RawMessage, error) {
	files := make([]vk.UploadFile, len(u.keys))
	for i, key := range u.keys {
		pic := pictures[key]
		data, err := pic.bytes()
		if err != nil {
			return nil, fmt.Errorf("draw picture %s: %w", key, err)
		}
		files[i] = vk.UploadFile{Name: pic.filename, Data: data}
	}
	var answer json.RawMessage
	err := p.r.retry(ctx, "upload product photos", func() error {
		var err error
		answer, err = p.r.s.VK.PostProductPhotos(ctx, u.url, files)
		return err
	})
	var uploadErr *vk.UploadError
	if err != nil && !errors.As(err, &uploadErr) {
		return nil, fromVK(err)
	}
	return answer, err
}

// savePhotos registers posted uploads with market.saveProductPhotoBulk in
// one execute request and records the photos at once. It returns the
// pictures of uploads of several files that VK rejected for their
// content, to be tried alone.
func (p *syncPass) savePhotos(ctx context.Context, posted []upload, ids map[string]int64,
	failures map[string]string) ([]string, error) {
	r := p.r
	calls := make([]vk.ExecCall, len(posted))
	for i, u := range posted {
		calls[i] = vk.ExecCall{Method: "market.saveProductPhotoBulk", Params: map[string]any{
			"upload_response": string(u.answer),
		}}
	}
	results, err := r.execute(ctx, "save product photos", calls, true)
	if err != nil {
		return nil, err
	}

	var again []string
	var rows []*ent.SyncPhotoCreate
	for i, res := range results {
		keys := posted[i].keys
		if res.Err != nil {
			if len(keys) > 1 && rejectsContent(res.Err) {
				again = append(again, keys...)
			} else {
				failAll(failures, keys, itemMessage(res.Err))
			}
			r.log.Warn("VK rejected a photo save", "pictures", len(keys),
				"error_code", res.Err.Code, "error", res.Err.Message)
			continue
		}
		photoIDs, err := vk.DecodePhotoIDs(res.Response, len(keys))
		if err != nil {
			failAll(failures, keys, msgPhotoRejected)
			r.log.Error("market.saveProductPhotoBulk response cannot be matched to the files", "error", err)
			continue
		}
		for j, key := range keys {
			ids[key] = photoIDs[j]
			rows = append(rows, r.s.DB.SyncPhoto.Create().
				SetVkGroupID(r.groupID()).
				SetContentHash(key).
				SetVkPhotoID(photoIDs[j]))
		}
	}
	return again, p.recordPhotos(ctx, rows)
}

// recordPhotos writes saved photos to SyncPhoto, even when ctx ends now:
// VK has saved them.
func (p *syncPass) recordPhotos(ctx context.Context, rows []*ent.SyncPhotoCreate) error {
	if len(rows) == 0 {
		return nil
	}
	saveCtx, cancel := detach(ctx)
	defer cancel()
	err := p.r.s.DB.SyncPhoto.CreateBulk(rows...).
		OnConflictColumns(syncphoto.FieldVkGroupID, syncphoto.FieldContentHash).
		DoNothing().
		Exec(saveCtx)
	if err != nil {
		return fmt.Errorf("record %d uploaded photos: %w", len(rows), err)
	}
	return nil
}
