package rules

import (
	"fmt"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// state: meta nodes keep their Raft log and vote under data_path, engine nodes their segments under
// storage_runtime.data_path. Both must survive a restart: a meta node that finds an empty directory joins or
// bootstraps again (docs/robustmq.md §6, §7). Only a PersistentVolumeClaim (or a hostPath) outlives the pod.
func state(n *inventory.Node) []Finding {
	if n.Config == nil || (!n.Has("meta") && !n.Has("engine")) {
		return nil
	}
	type dir struct{ key, path string }
	var dirs []dir
	dp := "./data"
	if v, ok := n.Lookup("data_path"); ok {
		if s, ok := v.(string); ok {
			dp = s
		}
	}
	dirs = append(dirs, dir{"data_path", dp})
	if n.Has("engine") {
		if v, ok := n.Lookup("storage_runtime.data_path"); ok {
			l, _ := v.([]any)
			for _, e := range l {
				if s, ok := e.(string); ok {
					dirs = append(dirs, dir{"storage_runtime.data_path", s})
				}
			}
		}
	}
	var out []Finding
	for _, d := range dirs {
		abs := n.Abs(d.path)
		mount, _ := n.MountFor(abs)
		what := "meta Raft state"
		if d.key != "data_path" {
			what = "engine segments"
		} else if !n.Has("meta") {
			what = "engine data (RocksDB)"
		}
		add := func(field, why string) {
			out = append(out, Finding{Rule: StateVolume, Object: n.Object, Field: field, Message: fmt.Sprintf(
				"container %s keeps its %s in %s (%s = %q) %s", n.Container.Name, what, abs, d.key, d.path, why)})
		}
		if mount == nil {
			add(n.ContainerPath+".volumeMounts", "on the container's filesystem: lost at every restart, and not writable "+
				"with readOnlyRootFilesystem; mount a PersistentVolumeClaim there")
			continue
		}
		if n.StatefulSet != nil && n.Volume(mount.Name) == nil {
			for _, t := range n.StatefulSet.Spec.VolumeClaimTemplates {
				if t.Name == mount.Name {
					mount = nil
					break
				}
			}
			if mount == nil {
				continue
			}
		}
		v := n.Volume(mount.Name)
		vf := ""
		for i := range n.Spec.Volumes {
			if v == &n.Spec.Volumes[i] {
				vf = fmt.Sprintf("%s.volumes[%d]", n.SpecPath, i)
			}
		}
		switch {
		case v == nil:
			add(n.ContainerPath+".volumeMounts", fmt.Sprintf("on volume %s, which the pod does not define", mount.Name))
		case v.PersistentVolumeClaim != nil, v.HostPath != nil:
		case v.EmptyDir != nil:
			add(vf, fmt.Sprintf("on emptyDir %s, which is deleted with the pod; "+
				"use a volumeClaimTemplate", v.Name))
		case v.Ephemeral != nil:
			add(vf, fmt.Sprintf("on generic ephemeral volume %s, which is deleted "+
				"with the pod; use a volumeClaimTemplate", v.Name))
		default:
			add(vf, fmt.Sprintf("on volume %s, which is not a persistent, writable "+
				"volume", v.Name))
		}
	}
	return out
}
