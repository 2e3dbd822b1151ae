// Package static embeds the front-end files (vendored htmx, Bootstrap,
// Bootstrap Icons, and the product's own CSS and JS) and serves them under
// content-hashed names, so browsers may cache them forever.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed vendor css js
var files embed.FS

// Prefix is the URL path the files are served under.
const Prefix = "/static/"

// Assets maps file names to their content-hashed names.
type Assets struct {
	hashed   map[string]string // "css/app.css" -> "css/app.3f2a9c1b.css"
	original map[string]string // the reverse
}

// Load hashes every embedded file.
func Load() (*Assets, error) {
	a := &Assets{hashed: map[string]string{}, original: map[string]string{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(p)
		name := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.hashed[p] = name
		a.original[name] = p
		return nil
	})
	return a, err
}

// URL returns the cache-busting URL of a file; it panics on an unknown
// name so a typo in a template fails at start-up, not in a browser.
func (a *Assets) URL(name string) string {
	h, ok := a.hashed[name]
	if !ok {
		panic("static: no such asset " + name)
	}
	return Prefix + h
}

// ServeHTTP serves a file by its hashed name (cached for a year) or by its
// plain name (revalidated), which relative URLs inside vendored CSS use.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	cache := "public, max-age=31536000, immutable"
	if orig, ok := a.original[name]; ok {
		name = orig
	} else {
		cache = "public, max-age=3600"
	}
	body, err := files.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}
