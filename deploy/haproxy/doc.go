// Package haproxy holds the HAProxy and keepalived configurations for a pair of load balancers in
// front of Pasar; its tests run Debian's haproxy and keepalived with them.
package haproxy
