package handlers

import "testing"

func TestProductsWordAgreesWithNumber(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{1, "товар"}, {2, "товара"}, {4, "товара"}, {5, "товаров"}, {11, "товаров"},
		{12, "товаров"}, {14, "товаров"}, {21, "товар"}, {22, "товара"}, {111, "товаров"},
		{672, "товара"}, {1000, "товаров"},
	}
	for _, tt := range tests {
		if got := productsWord(tt.n); got != tt.want {
			t.Errorf("productsWord(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
