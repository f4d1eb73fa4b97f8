package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The example's own overlays exercise add, replace, list append and whole-list replace through the real kustomize
// (test/examples); these cases pin the rest: removal, key escaping, type changes, and no-op.
func TestDiff(t *testing.T) {
	for name, tc := range map[string]struct {
		a, b any
		want []map[string]any
	}{
		"equal": {
			a: map[string]any{"x": []any{1.0, "s"}}, b: map[string]any{"x": []any{1.0, "s"}},
		},
		"remove and add keys, escaped": {
			a: map[string]any{"gone": true, "m": map[string]any{"a/b": 1.0}},
			b: map[string]any{"m": map[string]any{"a/b": 1.0, "c~d": 2.0}},
			want: []map[string]any{
				{"op": "remove", "path": "/gone"},
				{"op": "add", "path": "/m/c~0d", "value": 2.0},
			},
		},
		"scalar and type change": {
			a: map[string]any{"v": "1", "t": map[string]any{}},
			b: map[string]any{"v": "2", "t": []any{}},
			want: []map[string]any{
				{"op": "replace", "path": "/t", "value": []any{}},
				{"op": "replace", "path": "/v", "value": "2"},
			},
		},
		"list append, shrink": {
			a: map[string]any{"grow": []any{1.0}, "shrink": []any{1.0, 2.0}},
			b: map[string]any{"grow": []any{1.0, 2.0, 3.0}, "shrink": []any{1.0}},
			want: []map[string]any{
				{"op": "add", "path": "/grow/-", "value": 2.0},
				{"op": "add", "path": "/grow/-", "value": 3.0},
				{"op": "replace", "path": "/shrink", "value": []any{1.0}},
			},
		},
		"explicit null stays a value": {
			a: map[string]any{"n": "x"}, b: map[string]any{"n": nil},
			want: []map[string]any{{"op": "replace", "path": "/n", "value": nil}},
		},
	} {
		t.Run(name, func(t *testing.T) { assert.Equal(t, tc.want, diff(tc.a, tc.b)) })
	}
}
