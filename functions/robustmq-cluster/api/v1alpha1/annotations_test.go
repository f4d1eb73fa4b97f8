package v1alpha1

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateAnnotations restates apimachinery's ValidateAnnotations to keep the image small; the two must agree.
func TestAnnotationsMatchAPIMachinery(t *testing.T) {
	p := field.NewPath("a")
	for _, m := range []map[string]string{
		{"a": "b"}, {"A": "b"}, {"example.com/Key": "v"}, {"a b": "c"}, {"-a": "b"}, {"a/b/c": "d"}, {"": "x"},
		{strings.Repeat("k", 63): "v"}, {strings.Repeat("k", 64): "v"}, {"x": strings.Repeat("v", 256<<10)},
		{"x": strings.Repeat("v", 256<<10-1)}, {"Example.COM/x": "y"}, {"example.com/": "y"},
	} {
		want := apivalidation.ValidateAnnotations(m, p)
		got := validateAnnotations(m, p)
		assert.Equal(t, len(want), len(got), "%.80v: want %v", m, want)
		for i := range min(len(want), len(got)) {
			assert.Equal(t, want[i].Type, got[i].Type)
			assert.Equal(t, want[i].Detail, got[i].Detail)
		}
	}
}
