package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gradient returns a width×height picture whose colour changes across it, so
// that scaling errors show up as wrong pixels.
func gradient(width, height int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / max(width-1, 1)), G: uint8(y * 255 / max(height-1, 1)), B: 128, A: 255})
		}
	}
	return img
}

func uniform(width, height int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t testing.TB, b []byte) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	return img, format
}

// near reports whether two colours differ by at most tolerance in each 8-bit
// channel, which JPEG compression needs.
func near(a, b color.Color, tolerance int) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	within := func(x, y uint32) bool {
		d := int(x>>8) - int(y>>8)
		return d >= -tolerance && d <= tolerance
	}
	return within(ar, br) && within(ag, bg) && within(ab, bb)
}

func TestPrepareSizes(t *testing.T) {
	tests := []struct {
		name     string
		source   []byte
		wantSide int
	}{
		{"Evotor PNG 300×300", encodePNG(t, gradient(300, 300)), MinSide},
		{"wide 1000×200", encodePNG(t, gradient(1000, 200)), 1000},
		{"tall 150×390", encodePNG(t, gradient(150, 390)), MinSide},
		{"tiny 1×1", encodePNG(t, gradient(1, 1)), MinSide},
		{"large 3000×1200 scaled down", encodePNG(t, gradient(3000, 1200)), MaxOutputSide},
		{"JPEG 640×480", encodeJPEG(t, gradient(640, 480)), 640},
		{"square 400×400 kept", encodePNG(t, gradient(400, 400)), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Prepare(tt.source)
			if err != nil {
				t.Fatalf("Prepare returned error: %v", err)
			}
			img, format := decode(t, out)
			if format != "jpeg" {
				t.Errorf("output format = %s, want jpeg", format)
			}
			want := image.Rect(0, 0, tt.wantSide, tt.wantSide)
			if diff := cmp.Diff(want, img.Bounds()); diff != "" {
				t.Errorf("output bounds mismatch (-want +got):\n%s", diff)
			}
			if img.Bounds().Dx() < MinSide || img.Bounds().Dy() < MinSide {
				t.Errorf("output %v is smaller than %d×%d", img.Bounds(), MinSide, MinSide)
			}
		})
	}
}

func TestPrepareWidePicturePaddedWithWhite(t *testing.T) {
	red := color.NRGBA{R: 200, G: 30, B: 30, A: 255}
	out, err := Prepare(encodePNG(t, uniform(1000, 200, red)))
	if err != nil {
		t.Fatalf("Prepare returned error: %v", err)
	}
	img, _ := decode(t, out)

	// The 1000×200 source fills rows 400 to 599 of the 1000×1000 output.
	for _, p := range []image.Point{{500, 10}, {500, 390}, {500, 610}, {10, 990}} {
		if got := img.At(p.X, p.Y); !near(got, color.White, 3) {
			t.Errorf("padding pixel %v = %v, want white", p, got)
		}
	}
	for _, p := range []image.Point{{500, 500}, {10, 420}, {990, 580}} {
		if got := img.At(p.X, p.Y); !near(got, red, 6) {
			t.Errorf("picture pixel %v = %v, want %v", p, got, red)
		}
	}
}

func TestPrepareScalesContent(t *testing.T) {
	source := gradient(300, 300)
	out, err := Prepare(encodePNG(t, source))
	if err != nil {
		t.Fatalf("Prepare returned error: %v", err)
	}
	img, _ := decode(t, out)

	// Output pixel (x, y) shows source pixel (x·3/4, y·3/4).
	for _, p := range []image.Point{{4, 4}, {200, 100}, {396, 396}, {100, 300}} {
		want := source.At(p.X*3/4, p.Y*3/4)
		if got := img.At(p.X, p.Y); !near(got, want, 12) {
			t.Errorf("pixel %v = %v, want about %v", p, got, want)
		}
	}
}

func TestPrepareTransparencyBecomesWhite(t *testing.T) {
	out, err := Prepare(encodePNG(t, uniform(300, 300, color.NRGBA{})))
	if err != nil {
		t.Fatalf("Prepare returned error: %v", err)
	}
	img, _ := decode(t, out)
	for _, p := range []image.Point{{0, 0}, {200, 200}, {399, 399}} {
		if got := img.At(p.X, p.Y); !near(got, color.White, 3) {
			t.Errorf("pixel %v = %v, want white", p, got)
		}
	}
}

func TestPrepareGIF(t *testing.T) {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, gradient(120, 80), nil); err != nil {
		t.Fatal(err)
	}
	out, err := Prepare(buf.Bytes())
	if err != nil {
		t.Fatalf("Prepare returned error: %v", err)
	}
	img, _ := decode(t, out)
	if diff := cmp.Diff(image.Rect(0, 0, MinSide, MinSide), img.Bounds()); diff != "" {
		t.Errorf("output bounds mismatch (-want +got):\n%s", diff)
	}
}

func TestPrepareRejectsInvalidData(t *testing.T) {
	validPNG := encodePNG(t, gradient(300, 300))
	tests := []struct {
		name  string
		input []byte
	}{
		{"nil", nil},
		{"garbage", []byte("this is not a picture at all")},
		{"HTML error page", []byte("<html><body>502 Bad Gateway</body></html>")},
		{"truncated PNG", validPNG[:len(validPNG)/2]},
		{"PNG header only", validPNG[:33]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Prepare(tt.input)
			if err == nil {
				t.Fatalf("Prepare returned %d bytes, want an error", len(out))
			}
			if out != nil {
				t.Errorf("Prepare returned %d bytes with an error, want none", len(out))
			}
		})
	}
}

// pngHeader returns the signature and IHDR chunk of an 8-bit RGBA PNG that
// claims the given dimensions, which is all image.DecodeConfig reads.
func pngHeader(width, height uint32) []byte {
	var ihdr bytes.Buffer
	ihdr.WriteString("IHDR")
	binary.Write(&ihdr, binary.BigEndian, width)
	binary.Write(&ihdr, binary.BigEndian, height)
	ihdr.Write([]byte{8, 6, 0, 0, 0}) // bit depth, colour type RGBA, compression, filter, interlace

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&out, binary.BigEndian, uint32(ihdr.Len()-4))
	out.Write(ihdr.Bytes())
	binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(ihdr.Bytes()))
	return out.Bytes()
}

func TestPrepareRejectsHugeDimensions(t *testing.T) {
	tests := []struct {
		name          string
		width, height uint32
	}{
		{"side too long", MaxInputSide + 1, 10},
		{"too many pixels", 5000, 5000},
		{"decompression bomb", 60000, 60000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := pngHeader(tt.width, tt.height)
			if _, _, err := image.DecodeConfig(bytes.NewReader(header)); err != nil {
				t.Fatalf("test header does not decode: %v", err)
			}
			_, err := Prepare(header)
			if err == nil {
				t.Fatal("Prepare returned no error")
			}
			if !strings.Contains(err.Error(), "too large") {
				t.Errorf("error %q does not say the picture is too large", err)
			}
		})
	}
}

func TestHash(t *testing.T) {
	// SHA-256 of "test", from any sha256sum.
	const want = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if got := Hash([]byte("test")); got != want {
		t.Errorf("Hash(test) = %s, want %s", got, want)
	}
	if Hash([]byte("a")) == Hash([]byte("b")) {
		t.Error("different inputs have the same hash")
	}
}

func BenchmarkPrepare(b *testing.B) {
	source := encodePNG(b, gradient(300, 300))
	for b.Loop() {
		if _, err := Prepare(source); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzPrepare checks that Prepare either rejects its input or returns a
// picture of at least MinSide×MinSide, and never panics.
func FuzzPrepare(f *testing.F) {
	f.Add(encodePNG(f, gradient(30, 20)))
	f.Add(encodeJPEG(f, gradient(16, 16)))
	f.Add(pngHeader(100, 100))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, input []byte) {
		out, err := Prepare(input)
		if err != nil {
			return
		}
		img, _ := decode(t, out)
		if img.Bounds().Dx() < MinSide || img.Bounds().Dy() < MinSide {
			t.Errorf("output %v is smaller than %d×%d", img.Bounds(), MinSide, MinSide)
		}
	})
}
