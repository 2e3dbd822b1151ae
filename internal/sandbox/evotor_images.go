package sandbox

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/png"
)

// evotorImageSize is the width and height of Evotor's product images, in
// pixels. It is below VK's minimum of 400, so the product must scale them up.
const evotorImageSize = 300

// drawProductImage draws the PNG of an image id: a pastel background with a
// band, a disc and a square whose colors and positions come from a hash of
// the id. Every id gets the same picture each time and different ids get
// different pictures. A four-color palette keeps drawing and encoding fast.
func drawProductImage(imageID string) ([]byte, error) {
	sum := sha256.Sum256([]byte("evotor-image/" + imageID))
	palette := color.Palette{
		color.RGBA{R: 160 + sum[0]%96, G: 160 + sum[1]%96, B: 160 + sum[2]%96, A: 255}, // background
		color.RGBA{R: sum[3], G: sum[4], B: sum[5], A: 255},                            // band
		color.RGBA{R: sum[8] / 2, G: sum[9] / 2, B: sum[10] / 2, A: 255},               // disc
		color.RGBA{R: 255 - sum[14]/2, G: sum[15], B: 255 - sum[16]/2, A: 255},         // square
	}
	img := image.NewPaletted(image.Rect(0, 0, evotorImageSize, evotorImageSize), palette)

	bandTop := 20 + int(sum[6])%200
	fillRect(img, image.Rect(0, bandTop, evotorImageSize, bandTop+20+int(sum[7])%40), 1)

	cx, cy := 80+int(sum[11])%140, 80+int(sum[12])%140
	radius := 30 + int(sum[13])%50
	for y := cy - radius; y <= cy+radius; y++ {
		for x := cx - radius; x <= cx+radius; x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= radius*radius {
				img.SetColorIndex(x, y, 2)
			}
		}
	}

	sx, sy := int(sum[17])%250, int(sum[18])%250
	fillRect(img, image.Rect(sx, sy, sx+40, sy+40), 3)

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fillRect sets the pixels of r inside img to a palette index.
func fillRect(img *image.Paletted, r image.Rectangle, index uint8) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := range row {
			row[i] = index
		}
	}
}
