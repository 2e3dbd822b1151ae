package photo

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

func newTestFace(t testing.TB, size float64) font.Face {
	t.Helper()
	parsedFont, err := placeholderFont()
	if err != nil {
		t.Fatalf("parse font: %v", err)
	}
	face, err := opentype.NewFace(parsedFont, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatalf("create face: %v", err)
	}
	t.Cleanup(func() { face.Close() })
	return face
}

func TestPlaceholderFontHasCyrillic(t *testing.T) {
	face := newTestFace(t, 54)
	letters := "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя" +
		"ІіЇїЄєҐґЎў" + "0123456789%,.«»№…-"
	for _, r := range letters {
		if _, ok := face.GlyphAdvance(r); !ok {
			t.Errorf("font has no glyph for %q (U+%04X)", r, r)
		}
	}
}

// inkPixels counts the pixels that differ from the background colour, which
// Placeholder paints at the corners.
func inkPixels(img image.Image) (count int, bounds image.Rectangle) {
	background := img.At(0, 0)
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if img.At(x, y) != background {
				count++
				bounds = bounds.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return count, bounds
}

func TestPlaceholder(t *testing.T) {
	names := []string{
		"Молоко 3,2% 1 л",
		"Хлеб",
		"Ж",
		"Сыр «Российский» 45% весовой, производство Алтайского края, упаковка 200 г",
		strings.Repeat("Очень длинное название товара ", 10),
		strings.Repeat("Ж", 128),
		"Торт 🎂 «Наполеон»",
		"🍎🍎🍎",
		"",
		"   ",
		"Coffee latte 300 ml",
	}
	margin := placeholderMargin / 2
	inside := image.Rect(margin, margin, PlaceholderSide-margin, PlaceholderSide-margin)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			out, err := Placeholder(name)
			if err != nil {
				t.Fatalf("Placeholder returned error: %v", err)
			}
			img, format := decode(t, out)
			if format != "png" {
				t.Errorf("format = %s, want png", format)
			}
			if diff := cmp.Diff(image.Rect(0, 0, PlaceholderSide, PlaceholderSide), img.Bounds()); diff != "" {
				t.Errorf("bounds mismatch (-want +got):\n%s", diff)
			}
			count, bounds := inkPixels(img)
			// A single letter at the largest size covers about 4800 pixels.
			if count < 1500 {
				t.Errorf("only %d pixels differ from the background, want text", count)
			}
			if !bounds.In(inside) {
				t.Errorf("text covers %v, want it inside %v", bounds, inside)
			}
		})
	}
}

func TestPlaceholderDeterministic(t *testing.T) {
	first, err := Placeholder("Молоко 3,2% 1 л")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Placeholder("Молоко 3,2% 1 л")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two placeholders for the same name differ")
	}
	if Hash(first) != Hash(second) {
		t.Error("two placeholders for the same name have different hashes")
	}

	other, err := Placeholder("Молоко 2,5% 1 л")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, other) {
		t.Error("placeholders for different names are equal")
	}
}

func TestPlaceholderConcurrent(t *testing.T) {
	want, err := Placeholder("Кефир 1% 900 г")
	if err != nil {
		t.Fatal(err)
	}
	results := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			results[i], _ = Placeholder("Кефир 1% 900 г")
		})
	}
	wg.Wait()
	for i, got := range results {
		if !bytes.Equal(got, want) {
			t.Errorf("placeholder %d drawn concurrently differs from the sequential one", i)
		}
	}
}

func TestPlaceholderColors(t *testing.T) {
	names := []string{"Молоко", "Хлеб", "Сыр", "Кефир", "Масло", "Чай", "Кофе", "Соль"}
	backgrounds := map[color.RGBA]bool{}
	for _, name := range names {
		background, ink := placeholderColors(name)
		backgrounds[background] = true
		if luminance(background)-luminance(ink) < 0.5 {
			t.Errorf("%s: background %v and text %v differ in luminance by less than 0.5", name, background, ink)
		}
	}
	if len(backgrounds) < len(names)/2 {
		t.Errorf("%d names share %d background colours, want more variety", len(names), len(backgrounds))
	}
}

// luminance returns the relative luminance from 0 to 1, without gamma
// correction, which is enough to compare light and dark colours.
func luminance(c color.RGBA) float64 {
	return (0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)) / 255
}

func TestLayoutPlaceholderText(t *testing.T) {
	parsedFont, err := placeholderFont()
	if err != nil {
		t.Fatal(err)
	}
	boxSide := fixed.I(PlaceholderSide - 2*placeholderMargin)
	tests := []struct {
		name         string
		input        string
		wantText     string // the lines joined with spaces, unless empty
		wantEllipsis bool
	}{
		{name: "short name", input: "Хлеб", wantText: "Хлеб"},
		{name: "white space collapsed", input: "  Хлеб \n ржаной  ", wantText: "Хлеб ржаной"},
		{name: "emoji left out", input: "Торт 🎂 «Наполеон»", wantText: "Торт «Наполеон»"},
		{name: "empty name", input: "", wantText: fallbackName},
		{name: "emoji only", input: "🍎🍎", wantText: fallbackName},
		{name: "ten words fit", input: "Сыр «Российский» 45% весовой, производство Алтайского края, упаковка 200 г",
			wantText: "Сыр «Российский» 45% весовой, производство Алтайского края, упаковка 200 г"},
		{name: "too long cut", input: strings.Repeat("Очень длинное название товара ", 10), wantEllipsis: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layout, err := layoutPlaceholderText(parsedFont, tt.input)
			if err != nil {
				t.Fatal(err)
			}
			defer layout.face.Close()

			if tt.wantText != "" {
				if diff := cmp.Diff(tt.wantText, strings.Join(layout.lines, " ")); diff != "" {
					t.Errorf("text mismatch (-want +got):\n%s", diff)
				}
			}
			if n := len(layout.lines); n < 1 || n > maxPlaceholderLines {
				t.Errorf("%d lines, want 1 to %d", n, maxPlaceholderLines)
			}
			last := layout.lines[len(layout.lines)-1]
			if got := strings.HasSuffix(last, "…"); got != tt.wantEllipsis {
				t.Errorf("last line %q ends with an ellipsis: %v, want %v", last, got, tt.wantEllipsis)
			}
			for _, line := range layout.lines {
				if width := font.MeasureString(layout.face, line); width > boxSide {
					t.Errorf("line %q is %v wide, more than %v", line, width, boxSide)
				}
			}
			if height := layout.height(); height > boxSide {
				t.Errorf("text is %v high, more than %v", height, boxSide)
			}
		})
	}
}

func TestLayoutPlaceholderTextUsesLargestFittingSize(t *testing.T) {
	parsedFont, err := placeholderFont()
	if err != nil {
		t.Fatal(err)
	}
	short, err := layoutPlaceholderText(parsedFont, "Хлеб")
	if err != nil {
		t.Fatal(err)
	}
	defer short.face.Close()
	long, err := layoutPlaceholderText(parsedFont, strings.Repeat("Ж", 128))
	if err != nil {
		t.Fatal(err)
	}
	defer long.face.Close()

	shortSize := short.face.Metrics().Height
	longSize := long.face.Metrics().Height
	if shortSize <= longSize {
		t.Errorf("short name line height %v is not larger than long name line height %v", shortSize, longSize)
	}
}

func TestWrapTextBreaksLongWord(t *testing.T) {
	face := newTestFace(t, 54)
	width := fixed.I(200)
	lines, brokeWord := wrapText(face, "Сверхдлинноесловобезпробелов да", width)
	if !brokeWord {
		t.Error("brokeWord = false, want true")
	}
	if len(lines) < 3 {
		t.Fatalf("wrapText returned %d lines, want the long word broken over several: %q", len(lines), lines)
	}
	if got := strings.Join(lines, ""); got != "Сверхдлинноесловобезпробеловда" {
		t.Errorf("lines %q lost or added characters", lines)
	}
	for _, line := range lines {
		if w := font.MeasureString(face, line); w > width {
			t.Errorf("line %q is %v wide, more than %v", line, w, width)
		}
	}
}

func TestWrapTextKeepsWords(t *testing.T) {
	face := newTestFace(t, 54)
	lines, brokeWord := wrapText(face, "Сыр «Российский» 45% весовой", fixed.I(640))
	if brokeWord {
		t.Errorf("brokeWord = true for short words: %q", lines)
	}
	if got := strings.Join(lines, " "); got != "Сыр «Российский» 45% весовой" {
		t.Errorf("lines %q lost or added characters", lines)
	}
}

// TestWritePlaceholderSample writes a placeholder to the file named by
// PLACEHOLDER_SAMPLE, so that a person can look at it.
func TestWritePlaceholderSample(t *testing.T) {
	path := os.Getenv("PLACEHOLDER_SAMPLE")
	if path == "" {
		t.Skip("PLACEHOLDER_SAMPLE is not set")
	}
	name := os.Getenv("PLACEHOLDER_NAME")
	if name == "" {
		name = "Молоко 3,2% 1 л"
	}
	out, err := Placeholder(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkPlaceholder(b *testing.B) {
	for b.Loop() {
		if _, err := Placeholder("Молоко 3,2% 1 л"); err != nil {
			b.Fatal(err)
		}
	}
}
