// Package photo prepares product pictures for VK Market: it enlarges Evotor's
// product images to VK's minimum size and draws a placeholder for products
// without one.
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers GIF for image.Decode
	"image/jpeg"
	_ "image/png" // registers PNG for image.Decode

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP for image.Decode
)

// MinSide is the minimum width and height of a VK Market photo in pixels.
const MinSide = 400

const (
	// MaxOutputSide caps the side of a prepared picture. Larger sources are
	// scaled down to keep uploads small.
	MaxOutputSide = 2000
	// MaxInputSide and MaxInputPixels cap the dimensions Prepare accepts, so
	// that a small file claiming huge dimensions cannot make the decoder
	// allocate gigabytes. 16 megapixels admits typical phone photos (12 MP)
	// and takes 64 MB once decoded at 8 bits per channel.
	MaxInputSide   = 10000
	MaxInputPixels = 16_000_000
)

// Content types of the pictures this package returns.
const (
	PreparedContentType    = "image/jpeg"
	PlaceholderContentType = "image/png"
)

// jpegQuality is the JPEG quality, from 1 to 100, of prepared pictures.
const jpegQuality = 90

// Prepare decodes a PNG, JPEG, GIF or WebP picture and returns a JPEG that VK
// Market accepts. The JPEG is a white square with the source scaled to fit
// (Catmull-Rom) and centred. Its side is the longer side of the source,
// raised to MinSide or lowered to MaxOutputSide. Transparent areas become
// white.
// Prepare rejects data that is not such a picture, and pictures larger than
// MaxInputSide per side or MaxInputPixels in total, before decoding them.
// JPEG output was chosen over PNG because product photos compress several
// times smaller as JPEG and have no transparency left to keep.
//
// NOTE: the EXIF orientation of JPEG photos is ignored, so a photo that a
// camera stored rotated stays rotated. Evotor serves PNG images, which have
// no EXIF orientation.
func Prepare(src []byte) ([]byte, error) {
	config, format, err := image.DecodeConfig(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("invalid picture: PNG, JPEG, GIF or WebP expected: %w", err)
	}
	width, height := config.Width, config.Height
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("invalid %s picture: dimensions %d×%d", format, width, height)
	}
	if width > MaxInputSide || height > MaxInputSide || int64(width)*int64(height) > MaxInputPixels {
		return nil, fmt.Errorf("%s picture of %d×%d pixels is too large: at most %d pixels per side and %d pixels in total are accepted",
			format, width, height, MaxInputSide, MaxInputPixels)
	}

	source, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("decode %s picture of %d×%d pixels: %w", format, width, height, err)
	}

	canvas := fitOnWhiteSquare(source)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, canvas, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("encode JPEG: %w", err)
	}
	return out.Bytes(), nil
}

// fitOnWhiteSquare scales source so that its longer side fills a square of
// side min(max(longer side, MinSide), MaxOutputSide), centred on white.
func fitOnWhiteSquare(source image.Image) *image.RGBA {
	bounds := source.Bounds()
	width, height := bounds.Dx(), bounds.Dy()
	longer := max(width, height)
	side := min(max(longer, MinSide), MaxOutputSide)

	scaledWidth := max(1, (width*side+longer/2)/longer)
	scaledHeight := max(1, (height*side+longer/2)/longer)
	left := (side - scaledWidth) / 2
	top := (side - scaledHeight) / 2
	target := image.Rect(left, top, left+scaledWidth, top+scaledHeight)

	canvas := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if scaledWidth == width && scaledHeight == height {
		draw.Draw(canvas, target, source, bounds.Min, draw.Over)
	} else {
		draw.CatmullRom.Scale(canvas, target, source, bounds, draw.Over, nil)
	}
	return canvas
}

// Hash returns the hex SHA-256 of a picture. EvoSync uses it as the key that
// makes each distinct picture upload to VK once.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
