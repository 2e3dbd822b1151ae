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
// accepts one POST.
type uploadServer struct {
	groupID, userID int64
	expires         time.Time
}

// uploadedPhoto is a photo that was uploaded and awaits saveProductPhoto.
type uploadedPhoto struct {
	groupID, userID int64
	photo           marketPhoto
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
// {"upload_url": "<absolute URL>"} for one upload.
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

	id := randomHex(16)
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	s.market.uploadServersIssued++
	if s.market.uploadServersIssued%uploadPruneEvery == 0 {
		s.pruneUploadsLocked(c.now)
	}
	s.market.uploadServers[id] = uploadServer{groupID: groupID, userID: c.user.ID, expires: c.now.Add(uploadTTL)}
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
// field "file" with a JPEG, PNG, GIF or WebP image of at least 400×400.
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

	photo, errText := readUploadedPhoto(r)
	if errText != "" {
		writeJSON(w, http.StatusOK, uploadResponse{Error: errText})
		return
	}
	result := randomHex(16)
	s.marketMu.Lock()
	s.market.uploads[result] = &uploadedPhoto{
		groupID: server.groupID, userID: server.userID, photo: photo, expires: now.Add(uploadTTL),
	}
	hash := s.uploadHash(result)
	s.marketMu.Unlock()
	writeJSON(w, http.StatusOK, uploadResponse{UploadResult: result, Hash: hash})
}

// readUploadedPhoto decodes the request's image and makes its thumbnail. It
// returns an upload error text when the image is missing, cannot be
// decoded or has the wrong size.
func readUploadedPhoto(r *http.Request) (marketPhoto, string) {
	if err := r.ParseMultipartForm(maxBodyBytes); err != nil {
		return marketPhoto{}, uploadErrNoFile + ": expected a multipart/form-data body: " + err.Error()
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return marketPhoto{}, uploadErrNoFile + ": the multipart field file is missing"
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return marketPhoto{}, uploadErrNoFile + ": reading the file failed: " + err.Error()
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

// writeUploadOutage responds to an upload during OutageRateLimit or
// OutageServerError with a 503 and an upload error.
// NOTE: how VK's upload servers fail under load is not documented.
func writeUploadOutage(w http.ResponseWriter, _ *http.Request, _ Outage) {
	writeJSON(w, http.StatusServiceUnavailable, uploadResponse{Error: "ERR_UPLOAD_SERVER_UNAVAILABLE: try again later"})
}

// vkSaveProductPhoto implements market.saveProductPhoto with the upload's
// JSON body in upload_response. It returns {"photo_id": N}. An upload that
// failed for its size gets error 1435, one that failed otherwise error 129,
// and a body that is not from the sandbox's upload endpoint error 100 or,
// with a wrong hash, error 121. An upload can be saved once, by the user
// who requested its URL.
func (s *Sandbox) vkSaveProductPhoto(c *vkCall) (any, *vkError) {
	if !c.hasScope("market") {
		return nil, accessDenied("no access to call this method, the token has no market scope")
	}
	raw := c.params.Get("upload_response")
	if raw == "" {
		return nil, invalidParam("upload_response is required")
	}
	var body uploadResponse
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		return nil, invalidParam("upload_response must be the JSON body of the upload, got %q", raw)
	}
	switch {
	case strings.HasPrefix(body.Error, uploadErrBadSize):
		return nil, &vkError{code: vkErrCropSizeTooLow, msg: vkMsgCropSizeTooLow + ": " + body.Error}
	case body.Error != "":
		return nil, &vkError{code: vkErrInvalidPhoto, msg: vkMsgInvalidPhoto + ": " + body.Error}
	case body.UploadResult == "":
		return nil, invalidParam("upload_response has no upload_result")
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
	id := s.market.nextPhotoID
	s.market.nextPhotoID++
	photo := upload.photo
	photo.groupID = upload.groupID
	s.market.photos[id] = &photo
	s.market.groupLocked(upload.groupID).photoCount++
	return map[string]int64{"photo_id": id}, nil
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
