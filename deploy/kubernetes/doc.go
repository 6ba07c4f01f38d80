// Package kubernetes holds the kustomize manifests of both shapes (base, components, overlays);
// its tests render each overlay with kubectl and check the objects against the Kubernetes API
// types and against Pasar's own settings and services.
package kubernetes
