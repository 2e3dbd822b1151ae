package catalogsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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

// attachPhotos gives each writing operation of the batch the VK id of its
// picture, uploading the pictures VK does not have yet. It returns the
// batch without the operations whose picture VK rejected, which are
// recorded as failed.
func (p *syncPass) attachPhotos(ctx context.Context, batch []*itemOp) ([]*itemOp, error) {
	r := p.r
	pictures := map[string]picture{}
	var keys []string
	for _, op := range batch {
		if _, ok := pictures[op.pic.key]; op.writes() && !ok {
			pictures[op.pic.key] = op.pic
			keys = append(keys, op.pic.key)
		}
	}
	if len(keys) == 0 {
		return batch, nil
	}

	ids, err := p.knownPhotos(ctx, keys)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, key := range keys {
		if _, ok := ids[key]; !ok {
			missing = append(missing, key)
		}
	}
	failures := map[string]string{}
	for start := 0; start < len(missing); start += r.s.batchSize() {
		chunk := missing[start:min(start+r.s.batchSize(), len(missing))]
		if err := p.uploadPhotos(ctx, chunk, pictures, ids, failures); err != nil {
			return nil, err
		}
	}

	withPhotos := make([]*itemOp, 0, len(batch))
	for _, op := range batch {
		if !op.writes() {
			withPhotos = append(withPhotos, op)
			continue
		}
		if id, ok := ids[op.pic.key]; ok {
			op.photoID = id
			withPhotos = append(withPhotos, op)
			continue
		}
		message := failures[op.pic.key]
		if message == "" {
			message = msgPhotoRejected
		}
		r.counts.processed++
		r.recordFailure(op.productID, op.item.Name, message)
	}
	return withPhotos, nil
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

// upload is a picture on its way to VK.
type upload struct {
	key    string
	url    string
	answer json.RawMessage
}

// uploadPhotos uploads up to one batch of pictures with two execute
// requests: one gets an upload URL per picture, and one saves them all
// after the files are posted. It records each photo in SyncPhoto right
// after VK saves it, adds the ids to ids and the Russian reason of each
// rejected picture to failures.
func (p *syncPass) uploadPhotos(ctx context.Context, keys []string, pictures map[string]picture,
	ids map[string]int64, failures map[string]string) error {
	r := p.r
	servers := make([]vk.ExecCall, len(keys))
	for i := range keys {
		servers[i] = vk.ExecCall{
			Method: "market.getProductPhotoUploadServer",
			Params: map[string]any{"group_id": r.groupID()},
		}
	}
	results, err := r.execute(ctx, "get photo upload servers", servers, false)
	if err != nil {
		return err
	}

	var uploads []upload
	for i, res := range results {
		var server vk.UploadServer
		switch {
		case res.Err != nil:
			failures[keys[i]] = itemMessage(res.Err)
			r.log.Warn("VK rejected a photo upload server request", "error_code", res.Err.Code, "error", res.Err.Message)
		case json.Unmarshal(res.Response, &server) != nil || server.UploadURL == "":
			return fromVK(fmt.Errorf("unexpected market.getProductPhotoUploadServer response %.200s", res.Response))
		default:
			uploads = append(uploads, upload{key: keys[i], url: server.UploadURL})
		}
	}

	posted := uploads[:0]
	for _, u := range uploads {
		answer, err := p.postPhoto(ctx, u.url, pictures[u.key])
		var uploadErr *vk.UploadError
		if errors.As(err, &uploadErr) {
			failures[u.key] = msgPhotoRejected
			r.log.Warn("VK upload server rejected a photo", "error", err)
			continue
		}
		if err != nil {
			return err
		}
		u.answer = answer
		posted = append(posted, u)
	}
	if len(posted) == 0 {
		return nil
	}
	return p.savePhotos(ctx, posted, ids, failures)
}

// postPhoto posts one picture to its upload URL, retrying temporary
// failures.
func (p *syncPass) postPhoto(ctx context.Context, uploadURL string, pic picture) (json.RawMessage, error) {
	data, err := pic.bytes()
	if err != nil {
		return nil, fmt.Errorf("draw picture %s: %w", pic.key, err)
	}
	var answer json.RawMessage
	err = p.r.retry(ctx, "upload product photo", func() error {
		var err error
		answer, err = p.r.s.VK.PostProductPhoto(ctx, uploadURL, data, pic.filename)
		return err
	})
	var uploadErr *vk.UploadError
	if err != nil && !errors.As(err, &uploadErr) {
		return nil, fromVK(err)
	}
	return answer, err
}

// savePhotos registers posted pictures with market.saveProductPhoto and
// records them at once.
func (p *syncPass) savePhotos(ctx context.Context, posted []upload, ids map[string]int64,
	failures map[string]string) error {
	r := p.r
	calls := make([]vk.ExecCall, len(posted))
	for i, u := range posted {
		calls[i] = vk.ExecCall{Method: "market.saveProductPhoto", Params: map[string]any{
			"group_id":        r.groupID(),
			"upload_response": string(u.answer),
		}}
	}
	results, err := r.execute(ctx, "save product photos", calls, true)
	if err != nil {
		return err
	}

	saveCtx, cancel := detach(ctx)
	defer cancel()
	var rows []*ent.SyncPhotoCreate
	for i, res := range results {
		key := posted[i].key
		if res.Err != nil {
			failures[key] = itemMessage(res.Err)
			r.log.Warn("VK rejected a photo save", "error_code", res.Err.Code, "error", res.Err.Message)
			continue
		}
		id, err := vk.DecodePhotoID(res.Response)
		if err != nil {
			failures[key] = msgPhotoRejected
			r.log.Error("market.saveProductPhoto response has no photo id", "error", err)
			continue
		}
		ids[key] = id
		row := r.s.DB.SyncPhoto.Create().
			SetVkGroupID(r.groupID()).
			SetContentHash(key).
			SetVkPhotoID(id)
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	err = r.s.DB.SyncPhoto.CreateBulk(rows...).
		OnConflictColumns(syncphoto.FieldVkGroupID, syncphoto.FieldContentHash).
		DoNothing().
		Exec(saveCtx)
	if err != nil {
		return fmt.Errorf("record %d uploaded photos: %w", len(rows), err)
	}
	return nil
}
