package v1alpha1

import (
	"fmt"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// documentationNets are the IPv4 and IPv6 ranges reserved for documentation (RFC 5737, RFC 3849): no client
// ever has such an address, so a CIDR inside one is a placeholder from an example.
var documentationNets = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
}

var zeroDigest = "sha256:" + strings.Repeat("0", 64)

// Placeholders lists values of a valid cluster that only examples carry: an all-zero image digest and CIDRs from
// the documentation ranges. They are never errors (info in dev, warnings otherwise), because blueprints ship them and
// must render as they are; and both fail closed: the image does not pull, and no client matches the range.
func (c *RobustMQCluster) Placeholders() field.ErrorList {
	var out field.ErrorList
	s := &c.Spec
	if s.Image.Digest == zeroDigest {
		out = append(out, field.Invalid(field.NewPath("spec", "image", "digest"), s.Image.Digest,
			"replace it with the digest of the image you deploy (the pods would not pull)"))
	}
	doc := func(cidr string, p *field.Path) {
		pfx, err := netip.ParsePrefix(cidr)
		if err != nil {
			return
		}
		for _, d := range documentationNets {
			if d.Overlaps(pfx) && pfx.Bits() >= d.Bits() {
				out = append(out, field.Invalid(p, cidr, fmt.Sprintf(
					"%s is a documentation range (RFC 5737/3849) no client has; replace it with your clients' addresses", d)))
				return
			}
		}
	}
	for i, r := range s.Service.LoadBalancerSourceRanges {
		doc(r, field.NewPath("spec", "service", "loadBalancerSourceRanges").Index(i))
	}
	np := field.NewPath("spec", "networkPolicy")
	for _, l := range []struct {
		peers []Peer
		p     *field.Path
	}{{s.NetworkPolicy.Clients, np.Child("clients")}, {s.NetworkPolicy.Admin, np.Child("admin")}} {
		for i, peer := range l.peers {
			doc(peer.CIDR, l.p.Index(i).Child("cidr"))
		}
	}
	return out
}
