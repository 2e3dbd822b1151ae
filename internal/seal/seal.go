// Package seal encrypts provider tokens at rest with AES-256-GCM.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// version prefixes every sealed value so the format can change later.
const version byte = 1

// ErrCorrupt is returned when a sealed value cannot be opened: it was
// altered, or sealed under another key.
var ErrCorrupt = errors.New("sealed token cannot be opened: corrupt or sealed with another key")

// Sealer seals and opens tokens under one key.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("token key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create GCM: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a token as version || nonce || ciphertext. The empty token
// seals to nil.
func (s *Sealer) Seal(token string) []byte {
	if token == "" {
		return nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("seal: no randomness: " + err.Error())
	}
	out := append([]byte{version}, nonce...)
	return s.aead.Seal(out, nonce, []byte(token), []byte{version})
}

// Open decrypts a value made by Seal. nil opens to the empty token.
func (s *Sealer) Open(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != version {
		return "", ErrCorrupt
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte{version})
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}
