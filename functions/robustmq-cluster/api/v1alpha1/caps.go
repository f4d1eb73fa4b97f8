package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Caps that keep a typo (or a generated file gone wrong) from rendering thousands of objects, and keep every
// generated object within what Kubernetes stores.
const (
	// MaxPools: every pool is a StatefulSet, a headless Service, a ConfigMap and a PDB; RobustMQ's own layouts
	// use one to three.
	MaxPools = 16
	// maxPods over all pools: each meta pod is in every pool's meta_addrs, each broker pod in the certificate.
	maxPods = 500
	// maxCertificateNames: the certificate lists three names per broker pod plus the Service's. cert-manager
	// writes it into a Secret, whose 1 MiB limit holds the certificate twice base64-encoded (PEM, then Secret
	// data: about 1.8 bytes per byte of DER) beside the key and the CA; 1000 names of up to 120 characters stay
	// below a quarter of that.
	maxCertificateNames = 1000
	maxExtraDNSNames    = 100
	// maxErrors reported per cluster: past that, more lines help nobody and a huge input would flood the output.
	maxErrors = 100
)

// validateCaps reports a spec past the caps. tooMany is true when there are so many pools that checking each
// would only repeat one mistake thousands of times.
func (s *Spec) validateCaps() (errs field.ErrorList, tooMany bool) {
	p := field.NewPath("spec")
	if n := len(s.Pools); n > MaxPools {
		return field.ErrorList{field.TooMany(p.Child("pools"), n, MaxPools)}, true
	}
	var pods, brokerPods int
	for _, pool := range s.Pools {
		if pool.Replicas != nil && *pool.Replicas > 0 && *pool.Replicas <= maxPoolReplicas { // a bad count is reported on its pool
			pods += int(*pool.Replicas)
			if pool.Has(RoleBroker) {
				brokerPods += int(*pool.Replicas)
			}
		}
	}
	if pods > maxPods {
		errs = append(errs, field.Invalid(p.Child("pools"), pods, fmt.Sprintf("%d pods in all pools; at most %d", pods, maxPods)))
	}
	if cm := s.TLS.CertManager; cm != nil {
		cp := p.Child("tls", "certManager", "extraDNSNames")
		if n := len(cm.ExtraDNSNames); n > maxExtraDNSNames {
			errs = append(errs, field.TooMany(cp, n, maxExtraDNSNames))
		}
		if n := 3*brokerPods + 4 + len(cm.ExtraDNSNames); n > maxCertificateNames {
			errs = append(errs, field.Invalid(p.Child("tls", "certManager"), n, fmt.Sprintf(
				"the certificate would list %d DNS names (3 per broker pod); at most %d fit in the 1 MiB Secret cert-manager writes",
				n, maxCertificateNames)))
		}
	}
	return errs, false
}

// capErrors keeps the first maxErrors errors and says how many more there were.
func capErrors(errs field.ErrorList) field.ErrorList {
	if len(errs) <= maxErrors {
		return errs
	}
	more := len(errs) - maxErrors
	return append(errs[:maxErrors:maxErrors], field.Invalid(nil, nil, fmt.Sprintf("and %d more problems; fix these first", more)))
}
