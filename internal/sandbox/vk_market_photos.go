package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF for image.Decode
	_ "image/jpeg" // registers JPEG for image.Decode
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP for image.Decode
)

func init() {
	registerVKMethod("market.getProductPhotoUploadServer", vkMethod{handle: (*Sandbox).vkGetProductPhotoUploadServer})
	registerVKMethod("market.saveProductPhoto", vkMethod{handle: (*Sandbox).vkSaveProductPhoto})
	registerVKMethod("market.saveProductPhotoBulk", vkMethod{handle: (*Sandbox).vkSaveProductPhotoBulk})
}

// Limits of uploaded Market photos. VK requires at least 400 px per side
// and at most 14000 px for width and height together.
const (
	minMarketPhotoSide = 400
	maxMarketPhotoSum  = 14000
	// uploadTTL is how long an upload URL and an uploaded photo that was
	// not saved stay valid.
	// NOTE: VK does not document these lifetimes. One hour is the
	// sandbox's choice.
	uploadTTL = time.Hour
	// photoThumbSide is the maximum side of the thumbnail that the sandbox
	// keeps of each photo in place of the photo, so that thousands of
	// photos need little memory.
	photoThumbSide = 80
	// uploadPruneEvery is the number of new upload URLs between sweeps of
	// the expired ones.
	uploadPruneEvery = 256
	// maxBulkFiles is how many files an upload URL requested with bulk=1
	// accepts, in the multipart fields file1 to file5.
	// NOTE: VK's reference does not state this number. Five, the main
	// photo and the four extra photos of one item, is what public clients
	// of the bulk upload send.
	maxBulkFiles = 5
)

// Error texts of the upload endpoint, in the "ERR_UPLOAD_…: detail" form of
// VK's upload servers. saveProductPhoto maps them to API errors.
const (
	uploadErrBadSize  = "ERR_UPLOAD_BAD_IMAGE_SIZE"
	uploadErrBadImage = "ERR_UPLOAD_BAD_IMAGE"
	uploadErrNoFile   = "ERR_UPLOAD_FILE_NOT_FOUND"
	uploadErrBadURL   = "ERR_UPLOAD_BAD_URL"
)

// uploadServer is an upload URL from getProductPhotoUploadServer. Each URL
// accepts one POST: of one file, or with bulk of up to maxBulkFiles.
type uploadServer struct {
	groupID, userID int64
	bulk            bool
	expires         time.Time
}

// uploadedPhoto is one POST to an upload URL that awaits
// saveProductPhoto, or saveProductPhotoBulk when bulk is set.
type uploadedPhoto struct {
	groupID, userID int64
	bulk            bool
	photos          []marketPhoto // in the order of the files
	expires         time.Time
}

// marketPhoto is a saved photo. Only its thumbnail is kept.
type marketPhoto struct {
	groupID                 int64
	width, height           int
	thumb                   []byte // PNG
	thumbWidth, thumbHeight int
}

func (s *Sandbox) registerVKUploadRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /vk/upload/market/{id}", s.handleMarketPhotoUpload)
	mux.HandleFunc("GET /vk/photos/{file}", s.serveMarketPhoto)
}

func photoURL(baseURL string, photoID int64) string {
	return baseURL + "/vk/photos/" + strconv.FormatInt(photoID, 10) + ".png"
}

// vkGetProductPhotoUploadServer implements
// market.getProductPhotoUploadServer with a positive group_id. It returns
// {"upload_url": "<absolute URL>"} for one upload: of the field file, or
// with bulk=1 of the fields file1 to file5.
func (s *Sandbox) vkGetProductPhotoUploadServer(c *vkCall) (any, *vkError) {
	if !c.hasScope("market") {
		return nil, accessDenied("no access to call this method, the token has no market scope")
	}
	raw := c.params.Get("group_id")
	groupID, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || groupID <= 0 {
		return nil, invalidParam("group_id must be the positive id of a community, got %q", raw)
	}
	if _, vkErr := s.marketGroupOf(c, groupID); vkErr != nil {
		return nil, vkErr
	}
	bulk, vkErr := flagParam(c.params, "bulk")
	if vkErr != nil {
		return nil, vkErr
	}

	id := randomHex(16)
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	s.market.uploadServersIssued++
	if s.market.uploadServersIssued%uploadPruneEvery == 0 {
		s.pruneUploadsLocked(c.now)
	}
	s.market.uploadServers[id] = uploadServer{
		groupID: groupID, userID: c.user.ID, bulk: bulk, expires: c.now.Add(uploadTTL),
	}
	return map[string]string{"upload_url": c.baseURL + "/vk/upload/market/" + id}, nil
}

// pruneUploadsLocked deletes expired upload URLs and unsaved uploads.
func (s *Sandbox) pruneUploadsLocked(now time.Time) {
	for id, u := range s.market.uploadServers {
		if !now.Before(u.expires) {
			delete(s.market.uploadServers, id)
		}
	}
	for id, u := range s.market.uploads {
		if !now.Before(u.expires) {
			delete(s.market.uploads, id)
		}
	}
}

// uploadResponse is the JSON body of the upload endpoint, which the client
// passes to saveProductPhoto as upload_response. It has upload_result and
// hash after a successful upload and only error otherwise. Both forms
// have status 200, as the responses of VK's upload servers do.
// NOTE: the fields of VK's successful upload body are not documented and
// clients must pass it on unchanged. These are the sandbox's own.
type uploadResponse struct {
	UploadResult string `json:"upload_result,omitempty"`
	Hash         string `json:"hash,omitempty"`
	Error        string `json:"error,omitempty"`
}

func (s *Sandbox) uploadHash(result string) string {
	sum := sha256.Sum256([]byte(s.market.uploadSecret + "/" + result))
	return hex.EncodeToString(sum[:16])
}

// handleMarketPhotoUpload serves POST /vk/upload/market/{id}: multipart
// field "file", or file1 to file5 for a bulk URL, each a JPEG, PNG, GIF or
// WebP image of at least 400×400. One bad file fails the whole upload.
func (s *Sandbox) handleMarketPhotoUpload(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, ProviderVK, "upload", writeUploadOutage) {
		return
	}
	now := s.now()
	s.marketMu.Lock()
	server, ok := s.market.uploadServers[r.PathValue("id")]
	delete(s.market.uploadServers, r.PathValue("id"))
	s.marketMu.Unlock()
	if !ok || !now.Before(server.expires) {
		writeJSON(w, http.StatusOK, uploadResponse{Error: uploadErrBadURL + ": the upload URL is unknown, used or expired, " +
			"get a new one with market.getProductPhotoUploadServer"})
		return
	}

	photos, errText := readUploadedPhotos(r, server.bulk, s.photoRejected)
	if errText != "" {
		writeJSON(w, http.StatusOK, uploadResponse{Error: errText})
		return
	}
	result := randomHex(16)
	s.marketMu.Lock()
	s.market.uploads[result] = &uploadedPhoto{
		groupID: server.groupID, userID: server.userID, bulk: server.bulk,
		photos: photos, expires: now.Add(uploadTTL),
	}
	hash := s.uploadHash(result)
	s.marketMu.Unlock()
	writeJSON(w, http.StatusOK, uploadResponse{UploadResult: result, Hash: hash})
}

// readUploadedPhotos reads the files of an upload: the field file, or
// for a bulk URL the fields file1, file2, … without gaps. It returns an
// upload error text when a file is missing, cannot be decoded or has the
// wrong size, naming the field for a bulk upload.
func readUploadedPhotos(r *http.Request, bulk bool, rejected func([]byte) bool) ([]marketPhoto, string) {
	if err := r.ParseMultipartForm(maxBodyBytes); err != nil {
		return nil, uploadErrNoFile + ": expected a multipart/form-data body: " + err.Error()
	}
	if !bulk {
		photo, errText := readUploadedPhoto(r, "file", rejected)
		if errText != "" {
			return nil, errText
		}
		return []marketPhoto{photo}, ""
	}
	var fields []string
	for i := 1; i <= maxBulkFiles+1; i++ {
		field := "file" + strconv.Itoa(i)
		if r.MultipartForm.File[field] == nil {
			break
		}
		fields = append(fields, field)
	}
	switch {
	case len(fields) == 0:
		return nil, uploadErrNoFile + ": a bulk upload takes the multipart fields file1 to file5, file1 is missing"
	case len(fields) > maxBulkFiles:
		return nil, fmt.Sprintf("%s: a bulk upload takes at most %d files", uploadErrNoFile, maxBulkFiles)
	}
	photos := make([]marketPhoto, len(fields))
	for i, field := range fields {
		photo, errText := readUploadedPhoto(r, field, rejected)
		if errText != "" {
			kind, detail, _ := strings.Cut(errText, ": ")
			return nil, kind + ": " + field + ": " + detail
		}
		photos[i] = photo
	}
	return photos, ""
}

// readUploadedPhoto decodes the image of one multipart field and makes its
// thumbnail. It returns an upload error text when the image is missing,
// rejected, cannot be decoded or has the wrong size.
func readUploadedPhoto(r *http.Request, field string, rejected func([]byte) bool) (marketPhoto, string) {
	file, _, err := r.FormFile(field)
	if err != nil {
		return marketPhoto{}, uploadErrNoFile + ": the multipart field " + field + " is missing"
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return marketPhoto{}, uploadErrNoFile + ": reading the file failed: " + err.Error()
	}
	if rejected(data) {
		return marketPhoto{}, uploadErrBadImage + ": the picture was rejected"
	}

	config, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return marketPhoto{}, uploadErrBadImage + ": the file is not a JPEG, PNG, GIF or WebP image"
	}
	if config.Width < minMarketPhotoSide || config.Height < minMarketPhotoSide {
		return marketPhoto{}, fmt.Sprintf("%s: market photo min size %dx%d, got %dx%d",
			uploadErrBadSize, minMarketPhotoSide, minMarketPhotoSide, config.Width, config.Height)
	}
	if config.Width+config.Height > maxMarketPhotoSum {
		return marketPhoto{}, fmt.Sprintf("%s: width and height together must be at most %d, got %dx%d",
			uploadErrBadSize, maxMarketPhotoSum, config.Width, config.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return marketPhoto{}, uploadErrBadImage + ": decoding the image failed: " + err.Error()
	}
	thumb, tw, th, err := encodeThumbnail(img)
	if err != nil {
		return marketPhoto{}, uploadErrBadImage + ": " + err.Error()
	}
	return marketPhoto{width: config.Width, height: config.Height, thumb: thumb, thumbWidth: tw, thumbHeight: th}, ""
}

// encodeThumbnail scales img to fit photoThumbSide and encodes it as PNG.
func encodeThumbnail(img image.Image) ([]byte, int, int, error) {
	b := img.Bounds()
	scale := float64(photoThumbSide) / float64(max(b.Dx(), b.Dy()))
	w, h := max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))
	thumb := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(thumb, thumb.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, thumb); err != nil {
		return nil, 0, 0, fmt.Errorf("encoding the thumbnail failed: %w", err)
	}
	return buf.Bytes(), w, h, nil
}

// RejectPhoto makes the upload servers reject every file with exactly
// these bytes, as VK does with a picture it will not publish, so that tests
// can see how a product whose photo VK rejects is handled.
func (s *Sandbox) RejectPhoto(data []byte) {
	sum := sha256.Sum256(data)
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	s.market.rejectedPhotos[hex.EncodeToString(sum[:])] = true
}

// photoRejected reports whether RejectPhoto was called with data.
func (s *Sandbox) photoRejected(data []byte) bool {
	sum := sha256.Sum256(data)
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	return s.market.rejectedPhotos[hex.EncodeToString(sum[:])]
}

// writeUploadOutage responds to an upload during OutageRateLimit or
// OutageServerError with a 503 and an upload error.
// NOTE: how VK's upload servers fail under load is not documented.
func writeUploadOutage(w http.ResponseWriter, _ *http.Request, _ Outage) {
	writeJSON(w, http.StatusServiceUnavailable, uploadResponse{Error: "ERR_UPLOAD_SERVER_UNAVAILABLE: try again later"})
}

// vkSaveProductPhoto implements market.saveProductPhoto with the JSON body
// of a single-file upload in upload_response. It returns {"photo_id": N}.
func (s *Sandbox) vkSaveProductPhoto(c *vkCall) (any, *vkError) {
	ids, vkErr := s.saveUpload(c, false)
	if vkErr != nil {
		return nil, vkErr
	}
	return map[string]int64{"photo_id": ids[0]}, nil
}

// savedPhoto is an entry of the saveProductPhotoBulk response.
type savedPhoto struct {
	PhotoID int64            `json:"photo_id"`
	Photo   savedPhotoObject `json:"photo"`
}

// savedPhotoObject is the part of VK's photo object the sandbox fills in.
type savedPhotoObject struct {
	ID      int64 `json:"id"`
	OwnerID int64 `json:"owner_id"`
}

// vkSaveProductPhotoBulk implements market.saveProductPhotoBulk with the
// JSON body of a bulk upload in upload_response. It returns one
// {"photo_id": N, "photo": {…}} per uploaded file, in the order of the
// files.
func (s *Sandbox) vkSaveProductPhotoBulk(c *vkCall) (any, *vkError) {
	ids, vkErr := s.saveUpload(c, true)
	if vkErr != nil {
		return nil, vkErr
	}
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	saved := make([]savedPhoto, len(ids))
	for i, id := range ids {
		owner := -s.market.photos[id].groupID
		saved[i] = savedPhoto{PhotoID: id, Photo: savedPhotoObject{ID: id, OwnerID: owner}}
	}
	return saved, nil
}

// saveUpload turns the upload in upload_response into saved photos and
// returns their ids in the order of the files. An upload that failed for
// its size gets error 1435, one that failed otherwise error 129, and a
// body that is not from the sandbox's upload endpoint error 100 or, with a
// wrong hash, error 121. A bulk upload must be saved with
// saveProductPhotoBulk and a single one with saveProductPhoto. An upload
// can be saved once, by the user who requested its URL.
func (s *Sandbox) saveUpload(c *vkCall, bulk bool) ([]int64, *vkError) {
	if !c.hasScope("market") {
		return nil, accessDenied("no access to call this method, the token has no market scope")
	}
	body, vkErr := parseUploadResponse(c.params.Get("upload_response"))
	if vkErr != nil {
		return nil, vkErr
	}

	s.marketMu.Lock()
	hashOK := body.Hash == s.uploadHash(body.UploadResult)
	upload := s.market.uploads[body.UploadResult]
	s.marketMu.Unlock()
	switch {
	case !hashOK:
		return nil, &vkError{code: vkErrInvalidHash, msg: vkMsgInvalidHash}
	case upload == nil || !c.now.Before(upload.expires):
		return nil, invalidParam("upload_response belongs to an upload that was already saved or expired")
	case upload.userID != c.user.ID:
		return nil, accessDenied("the upload belongs to another user")
	case upload.bulk && !bulk:
		return nil, invalidParam("upload_response is a bulk upload, save it with market.saveProductPhotoBulk")
	case !upload.bulk && bulk:
		return nil, invalidParam("upload_response is a single-file upload, save it with market.saveProductPhoto")
	}
	if _, vkErr := s.marketGroupOf(c, upload.groupID); vkErr != nil {
		return nil, vkErr
	}

	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	if s.market.uploads[body.UploadResult] != upload {
		return nil, invalidParam("upload_response belongs to an upload that was already saved or expired")
	}
	delete(s.market.uploads, body.UploadResult)
	ids := make([]int64, len(upload.photos))
	for i, photo := range upload.photos {
		ids[i] = s.market.nextPhotoID
		s.market.nextPhotoID++
		photo.groupID = upload.groupID
		s.market.photos[ids[i]] = &photo
	}
	s.market.groupLocked(upload.groupID).photoCount += len(ids)
	return ids, nil
}

// parseUploadResponse decodes upload_response and maps the error of a
// failed upload to the API error that saving it gets.
func parseUploadResponse(raw string) (uploadResponse, *vkError) {
	if raw == "" {
		return uploadResponse{}, invalidParam("upload_response is required")
	}
	var body uploadResponse
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		return uploadResponse{}, invalidParam("upload_response must be the JSON body of the upload, got %q", raw)
	}
	switch {
	case strings.HasPrefix(body.Error, uploadErrBadSize):
		return uploadResponse{}, &vkError{code: vkErrCropSizeTooLow, msg: vkMsgCropSizeTooLow + ": " + body.Error}
	case body.Error != "":
		return uploadResponse{}, &vkError{code: vkErrInvalidPhoto, msg: vkMsgInvalidPhoto + ": " + body.Error}
	case body.UploadResult == "":
		return uploadResponse{}, invalidParam("upload_response has no upload_result")
	}
	return body, nil
}

// serveMarketPhoto serves GET /vk/photos/{id}.png, the thumbnail of a saved
// photo, without authorization as VK's image servers do.
func (s *Sandbox) serveMarketPhoto(w http.ResponseWriter, r *http.Request) {
	raw, _ := strings.CutSuffix(r.PathValue("file"), ".png")
	id, err := strconv.ParseInt(raw, 10, 64)
	var thumb []byte
	if err == nil {
		s.marketMu.Lock()
		if p := s.market.photos[id]; p != nil {
			thumb = p.thumb
		}
		s.marketMu.Unlock()
	}
	if thumb == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(thumb)))
	_, _ = w.Write(thumb)
}
