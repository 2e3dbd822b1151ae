// Package templates embeds the HTML templates: one layout, the partials
// (fragments that htmx swaps), and one file per page.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
)

//go:embed layout.html pages/*.html partials/*.html
var files embed.FS

// Set holds one parsed template set per page plus the partials alone.
type Set struct {
	pages    map[string]*template.Template
	partials *template.Template
}

// Parse builds a set per page (layout + partials + page) and fails at
// start-up if any template does not parse.
func Parse(funcs template.FuncMap) (*Set, error) {
	partials, err := template.New("partials").Funcs(funcs).ParseFS(files, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse partials: %w", err)
	}
	pageFiles, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	set := &Set{pages: map[string]*template.Template{}, partials: partials}
	for _, f := range pageFiles {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "layout.html", "partials/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		set.pages[name] = t
	}
	return set, nil
}

// Page renders a whole page into w; nothing is written if rendering fails.
func (s *Set) Page(w io.Writer, name string, data any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	return execute(w, t, "layout", data)
}

// Partial renders one fragment into w; nothing is written if rendering fails.
func (s *Set) Partial(w io.Writer, name string, data any) error {
	return execute(w, s.partials, name, data)
}

// HasPage reports whether a page template exists.
func (s *Set) HasPage(name string) bool {
	_, ok := s.pages[name]
	return ok
}

func execute(w io.Writer, t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
