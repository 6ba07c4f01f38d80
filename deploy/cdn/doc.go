// Package cdn holds the Varnish configuration for a cache in front of Pasar (pasar.vcl); its
// test runs Debian's varnishd with it in front of a real Pasar.
package cdn
