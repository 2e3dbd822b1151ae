package photo

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

const (
	// PlaceholderSide is the width and height of a placeholder in pixels.
	PlaceholderSide = 800
	// placeholderMargin is the empty border around the text.
	placeholderMargin = 80
	// maxPlaceholderLines is the most lines of text a placeholder shows. The
	// text is cut with "…" at the end of the last line beyond that.
	maxPlaceholderLines = 6
	// fallbackName is drawn for a name without any drawable character.
	fallbackName = "Товар"
)

// placeholderFontSizes are the font sizes in pixels that Placeholder tries,
// largest first. It uses the largest size at which the whole name fits.
var placeholderFontSizes = []float64{120, 96, 80, 66, 54}

// placeholderFont is Go Bold, which covers Latin, Cyrillic and Greek. The
// parsed font is safe for concurrent use, but faces made from it are not.
var placeholderFont = sync.OnceValues(func() (*opentype.Font, error) {
	return opentype.Parse(gobold.TTF)
})

// Placeholder draws a picture for a product that has no image: the product
// name in dark text, wrapped over up to six centred lines, on a light
// background whose hue is derived from the name. Characters the font has no
// glyph for, such as emoji, are left out. The result is a
// PlaceholderSide×PlaceholderSide PNG, because flat colours and text stay
// sharp and small in PNG. The same name always gives the same bytes.
func Placeholder(name string) ([]byte, error) {
	parsedFont, err := placeholderFont()
	if err != nil {
		return nil, fmt.Errorf("parse placeholder font: %w", err)
	}
	layout, err := layoutPlaceholderText(parsedFont, name)
	if err != nil {
		return nil, err
	}
	defer layout.face.Close()

	background, ink := placeholderColors(name)
	canvas := image.NewRGBA(image.Rect(0, 0, PlaceholderSide, PlaceholderSide))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	drawLines(canvas, layout, ink)

	var out bytes.Buffer
	if err := png.Encode(&out, canvas); err != nil {
		return nil, fmt.Errorf("encode placeholder PNG: %w", err)
	}
	return out.Bytes(), nil
}

// textLayout is a name broken into lines for one font face.
type textLayout struct {
	face  font.Face
	lines []string
}

// height returns the height of the block of lines, from the ascent of the
// first line to the descent of the last.
func (layout textLayout) height() fixed.Int26_6 {
	metrics := layout.face.Metrics()
	return metrics.Height*fixed.Int26_6(len(layout.lines)-1) + metrics.Ascent + metrics.Descent
}

// layoutPlaceholderText picks the largest font size at which the name fits in
// maxPlaceholderLines lines inside the margins without breaking a word. When
// it fits at no size, it uses the smallest size, breaks words that are wider
// than a line and cuts the text with "…".
func layoutPlaceholderText(parsedFont *opentype.Font, name string) (textLayout, error) {
	// The text must fit in the square inside the margins.
	boxSide := fixed.I(PlaceholderSide - 2*placeholderMargin)
	var face font.Face
	var lines []string
	for _, size := range placeholderFontSizes {
		if face != nil {
			face.Close()
		}
		var err error
		face, err = opentype.NewFace(parsedFont, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return textLayout{}, fmt.Errorf("create placeholder font face of size %v: %w", size, err)
		}
		text := drawableText(face, name)
		if text == "" {
			text = fallbackName
		}
		var brokeWord bool
		lines, brokeWord = wrapText(face, text, boxSide)
		layout := textLayout{face: face, lines: lines}
		if len(lines) <= maxPlaceholderLines && layout.height() <= boxSide && !brokeWord {
			return layout, nil
		}
	}
	if len(lines) > maxPlaceholderLines {
		lines = lines[:maxPlaceholderLines]
		lines[len(lines)-1] = appendEllipsis(face, lines[len(lines)-1], boxSide)
	}
	return textLayout{face: face, lines: lines}, nil
}

// drawableText returns name on one line, without the characters face has no
// glyph for.
func drawableText(face font.Face, name string) string {
	var b strings.Builder
	for _, word := range strings.Fields(name) {
		var drawable strings.Builder
		for _, r := range word {
			if _, ok := face.GlyphAdvance(r); ok {
				drawable.WriteRune(r)
			}
		}
		if drawable.Len() == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(drawable.String())
	}
	return b.String()
}

// wrapText breaks text into lines no wider than width, between words where
// possible. A word wider than a line is broken between characters, and
// brokeWord reports whether that happened.
func wrapText(face font.Face, text string, width fixed.Int26_6) (lines []string, brokeWord bool) {
	current := ""
	for _, word := range strings.Fields(text) {
		candidate := word
		if current != "" {
			candidate = current + " " + word
		}
		if font.MeasureString(face, candidate) <= width {
			current = candidate
			continue
		}
		if current != "" {
			lines = append(lines, current)
		}
		pieces := breakWord(face, word, width)
		if len(pieces) > 1 {
			brokeWord = true
		}
		lines = append(lines, pieces[:len(pieces)-1]...)
		current = pieces[len(pieces)-1]
	}
	if current != "" {
		lines = append(lines, current)
	}
	return lines, brokeWord
}

// breakWord splits word into pieces no wider than width, each holding at
// least one character.
func breakWord(face font.Face, word string, width fixed.Int26_6) []string {
	var pieces []string
	current := ""
	for _, r := range word {
		candidate := current + string(r)
		if current != "" && font.MeasureString(face, candidate) > width {
			pieces = append(pieces, current)
			candidate = string(r)
		}
		current = candidate
	}
	return append(pieces, current)
}

// appendEllipsis appends "…" to line, removing characters from its end until
// the result fits in width. Spaces and separating punctuation before the
// ellipsis are removed as well.
func appendEllipsis(face font.Face, line string, width fixed.Int26_6) string {
	runes := []rune(line)
	for {
		candidate := strings.TrimRight(string(runes), " ,;:—-") + "…"
		if len(runes) == 0 || font.MeasureString(face, candidate) <= width {
			return candidate
		}
		runes = runes[:len(runes)-1]
	}
}

// drawLines draws the lines centred horizontally and the block of lines
// centred vertically.
func drawLines(canvas *image.RGBA, layout textLayout, ink color.Color) {
	metrics := layout.face.Metrics()
	lineHeight := metrics.Height
	top := (fixed.I(PlaceholderSide) - layout.height()) / 2

	drawer := font.Drawer{Dst: canvas, Src: image.NewUniform(ink), Face: layout.face}
	for i, line := range layout.lines {
		lineWidth := font.MeasureString(layout.face, line)
		drawer.Dot = fixed.Point26_6{
			X: (fixed.I(PlaceholderSide) - lineWidth) / 2,
			Y: top + metrics.Ascent + lineHeight*fixed.Int26_6(i),
		}
		drawer.DrawString(line)
	}
}

// placeholderColors returns a light background and a dark text colour of one
// hue, which is taken from the FNV-1a hash of the name.
func placeholderColors(name string) (background, ink color.RGBA) {
	h := fnv.New32a()
	h.Write([]byte(name))
	hue := float64(h.Sum32() % 360)
	return hslToRGB(hue, 0.45, 0.88), hslToRGB(hue, 0.35, 0.22)
}

// hslToRGB converts a colour from HSL (hue in degrees, saturation and
// lightness from 0 to 1) to opaque RGB.
func hslToRGB(hue, saturation, lightness float64) color.RGBA {
	chroma := (1 - math.Abs(2*lightness-1)) * saturation
	sector := hue / 60
	x := chroma * (1 - math.Abs(math.Mod(sector, 2)-1))
	var r, g, b float64
	switch {
	case sector < 1:
		r, g, b = chroma, x, 0
	case sector < 2:
		r, g, b = x, chroma, 0
	case sector < 3:
		r, g, b = 0, chroma, x
	case sector < 4:
		r, g, b = 0, x, chroma
	case sector < 5:
		r, g, b = x, 0, chroma
	default:
		r, g, b = chroma, 0, x
	}
	m := lightness - chroma/2
	toByte := func(v float64) uint8 { return uint8(math.Round((v + m) * 255)) }
	return color.RGBA{R: toByte(r), G: toByte(g), B: toByte(b), A: 255}
}
