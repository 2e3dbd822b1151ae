package seal_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/evosync/evosync/internal/seal"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

func newSealer(t *testing.T, key []byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New(key)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := newSealer(t, newKey(t))
	tokens := []string{
		"a",
		"vk1.a.Zm9vYmFyYmF6cXV1eA-_.~",
		"токен с пробелами и юникодом",
		string(bytes.Repeat([]byte("x"), 4096)),
		"\x00binary\xff",
	}
	for _, token := range tokens {
		sealed := s.Seal(token)

		got, err := s.Open(sealed)

		if err != nil {
			t.Errorf("Open(Seal(%.20q)): %v", token, err)
			continue
		}
		if got != token {
			t.Errorf("Open(Seal(%.20q)) = %.20q, want the token", token, got)
		}
	}
}

func TestSealEmptyToken(t *testing.T) {
	s := newSealer(t, newKey(t))

	if sealed := s.Seal(""); sealed != nil {
		t.Errorf("Seal(\"\") = %x, want nil", sealed)
	}
	for _, sealed := range [][]byte{nil, {}} {
		got, err := s.Open(sealed)
		if err != nil {
			t.Errorf("Open(%#v): %v", sealed, err)
		}
		if got != "" {
			t.Errorf("Open(%#v) = %q, want empty", sealed, got)
		}
	}
}

func TestSealRandomNonce(t *testing.T) {
	s := newSealer(t, newKey(t))
	const token = "same-token"
	seen := map[string]bool{}

	for range 100 {
		sealed := s.Seal(token)
		if seen[string(sealed)] {
			t.Fatalf("Seal returned the same bytes twice: %x", sealed)
		}
		seen[string(sealed)] = true
	}
}

func TestSealHidesPlaintext(t *testing.T) {
	s := newSealer(t, newKey(t))
	const token = "vk1.a.plaintext-access-token-0123456789"

	sealed := s.Seal(token)

	if bytes.Contains(sealed, []byte(token)) {
		t.Error("sealed bytes contain the whole token")
	}
	// No 8-byte run of the token may survive either.
	for i := 0; i+8 <= len(token); i++ {
		if bytes.Contains(sealed, []byte(token[i:i+8])) {
			t.Errorf("sealed bytes contain %q", token[i:i+8])
		}
	}
}

func TestSealTamper(t *testing.T) {
	s := newSealer(t, newKey(t))
	sealed := s.Seal("token-to-tamper-with")

	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			altered := bytes.Clone(sealed)
			altered[i] ^= mask

			got, err := s.Open(altered)

			if !errors.Is(err, seal.ErrCorrupt) {
				t.Errorf("byte %d ^ %#x: Open error = %v, want ErrCorrupt", i, mask, err)
			}
			if got != "" {
				t.Errorf("byte %d ^ %#x: Open returned %q, want empty", i, mask, got)
			}
		}
	}
}

func TestSealTruncated(t *testing.T) {
	s := newSealer(t, newKey(t))
	sealed := s.Seal("token-to-truncate")

	for n := 1; n < len(sealed); n++ {
		_, err := s.Open(sealed[:n])

		if !errors.Is(err, seal.ErrCorrupt) {
			t.Errorf("first %d of %d bytes: Open error = %v, want ErrCorrupt", n, len(sealed), err)
		}
	}
}

func TestSealExtended(t *testing.T) {
	s := newSealer(t, newKey(t))
	sealed := s.Seal("token")

	_, err := s.Open(append(bytes.Clone(sealed), 0))

	if !errors.Is(err, seal.ErrCorrupt) {
		t.Errorf("Open error = %v, want ErrCorrupt", err)
	}
}

func TestSealWrongKey(t *testing.T) {
	sealed := newSealer(t, newKey(t)).Seal("token")
	other := newSealer(t, newKey(t))

	got, err := other.Open(sealed)

	if !errors.Is(err, seal.ErrCorrupt) {
		t.Errorf("Open error = %v, want ErrCorrupt", err)
	}
	if got != "" {
		t.Errorf("Open returned %q, want empty", got)
	}
}

func TestSealSameKey(t *testing.T) {
	key := newKey(t)
	sealed := newSealer(t, key).Seal("token")

	got, err := newSealer(t, bytes.Clone(key)).Open(sealed)

	if err != nil {
		t.Fatalf("Open with a second Sealer on the same key: %v", err)
	}
	if got != "token" {
		t.Errorf("Open = %q, want %q", got, "token")
	}
}

func TestNewKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		s, err := seal.New(make([]byte, n))

		if err == nil {
			t.Errorf("New with a %d-byte key returned no error", n)
		}
		if s != nil {
			t.Errorf("New with a %d-byte key returned a Sealer", n)
		}
	}
}

func TestSealFormat(t *testing.T) {
	s := newSealer(t, newKey(t))
	const token = "token"
	// The version byte, a 12-byte GCM nonce, the ciphertext and a 16-byte tag.
	const wantLen = 1 + 12 + len(token) + 16

	sealed := s.Seal(token)

	if sealed[0] != 1 {
		t.Errorf("version byte = %d, want 1", sealed[0])
	}
	if len(sealed) != wantLen {
		t.Errorf("len = %d, want %d", len(sealed), wantLen)
	}
}
