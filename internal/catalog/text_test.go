package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTruncateRunes(t *testing.T) {
	tests := []struct {
		name  string
		input string
		limit int
		want  string
	}{
		{"short", "Хлеб", 10, "Хлеб"},
		{"at limit", "Хлебушек", 8, "Хлебушек"},
		{"over limit", "Хлебушек", 5, "Хлеб…"},
		{"trailing space", "Хлеб ржаной", 6, "Хлеб…"},
		{"trailing comma", "Хлеб, ржаной", 7, "Хлеб…"},
		{"combining mark", "ии\u0306а", 3, "и…"},
		{"no boundary falls back to hard cut", "и" + strings.Repeat("\u0301", 10), 5, "и\u0301\u0301\u0301…"},
		{"odd regional indicators", "🇷🇺🇷🇺🇷", 4, "🇷🇺…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncateRunes(tt.input, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("truncateRunes(%q, %d) mismatch (-want +got):\n%s", tt.input, tt.limit, diff)
			}
		})
	}
}

func TestMultiLine(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"empty", "", ""},
		{"white space only", " \r\n\t\n ", ""},
		{"CRLF", "a\r\nb", "a\nb"},
		{"CR", "a\rb", "a\nb"},
		{"blank lines collapsed", "a\n\n\n\nb", "a\n\nb"},
		{"spaces inside lines collapsed", "a  \t b\n  c  ", "a b\nc"},
		{"control characters dropped", "a\x00b\x1b\n\x7fc", "ab\nc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := multiLine(tt.input)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("multiLine(%q) mismatch (-want +got):\n%s", tt.input, diff)
			}
		})
	}
}
