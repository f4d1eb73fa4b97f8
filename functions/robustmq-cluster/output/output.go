// Package output is what every builder returns: a generated object and the file it goes to. It sits below the
// builders so that networking, monitoring and policy share it without importing one another.
package output

import "k8s.io/apimachinery/pkg/runtime/schema"

// Object is a generated object and its file, relative to the cluster's output folder. Object is a typed
// k8s.io/api struct, or a small local struct for a CRD kind whose module the function does not import; the
// processor converts it to YAML through its JSON tags.
type Object struct {
	File   string
	Object any
}

// GVK is the object's apiVersion and kind, from its TypeMeta; empty when it has none.
func (o Object) GVK() schema.GroupVersionKind {
	if k, ok := o.Object.(interface{ GetObjectKind() schema.ObjectKind }); ok {
		return k.GetObjectKind().GroupVersionKind()
	}
	return schema.GroupVersionKind{}
}
