package catalogsync

import "testing"

func TestLowerFirstKeepsNamesWithCapitals(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Товары отключены", "товары отключены"},
		{"ВКонтакте не принял товар", "ВКонтакте не принял товар"},
		{"VK error", "VK error"},
		{"Э", "э"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := lowerFirst(tt.in); got != tt.want {
			t.Errorf("lowerFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
