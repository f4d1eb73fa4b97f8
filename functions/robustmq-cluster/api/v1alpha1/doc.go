// Package v1alpha1 holds the RobustMQCluster config API: the types, their defaults and their validation.
//
// RobustMQCluster is local config: it is read by the robustmq-cluster function and never applied to a cluster.
//
// +groupName=robustmq.io
// +kubebuilder:object:generate=false
package v1alpha1
