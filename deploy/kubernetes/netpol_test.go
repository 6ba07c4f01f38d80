package kubernetes

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// peer is where a connection comes from: a pod (its labels and its namespace's labels), or
// outside the cluster.
type peer struct {
	name      string
	external  bool
	sameNS    bool
	podLabels map[string]string
	nsLabels  map[string]string
}

// admits tells whether the policies let from open a connection to a pod with podLabels on the
// container port (name and number), following the NetworkPolicy rules: a pod no policy selects
// takes everything; otherwise a connection is let in when any rule of any selecting policy lets it.
func admits(t *testing.T, policies []networkingv1.NetworkPolicy, podLabels map[string]string, port corev1.ContainerPort, from peer) bool {
	t.Helper()
	selected := false
	for _, np := range policies {
		if !matches(t, &np.Spec.PodSelector, podLabels) || !hasIngress(np) {
			continue
		}
		selected = true
		for _, r := range np.Spec.Ingress {
			if portMatches(r.Ports, port) && peerMatches(t, r.From, from) {
				return true
			}
		}
	}
	return !selected
}

func hasIngress(np networkingv1.NetworkPolicy) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return true
	}
	for _, pt := range np.Spec.PolicyTypes {
		if pt == networkingv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

func portMatches(ports []networkingv1.NetworkPolicyPort, port corev1.ContainerPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String && p.Port.StrVal == port.Name:
			return true
		case p.Port.Type == intstr.Int && p.Port.IntVal == port.ContainerPort:
			return true
		}
	}
	return false
}

func peerMatches(t *testing.T, from []networkingv1.NetworkPolicyPeer, p peer) bool {
	if len(from) == 0 {
		return true
	}
	for _, f := range from {
		switch {
		case f.IPBlock != nil:
			if p.external && f.IPBlock.CIDR == "0.0.0.0/0" {
				return true
			}
		case p.external:
		case f.NamespaceSelector == nil:
			if p.sameNS && matches(t, f.PodSelector, p.podLabels) {
				return true
			}
		default:
			if matches(t, f.NamespaceSelector, p.nsLabels) && (f.PodSelector == nil || matches(t, f.PodSelector, p.podLabels)) {
				return true
			}
		}
	}
	return false
}

func matches(t *testing.T, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(set))
}
