// Package prometheus holds Pasar's Prometheus scrape configuration and its recording and alerting
// rules (rules/); its tests check the rules with promtool and hold every metric they, and the
// Grafana dashboards in deploy/grafana, name to what a running shop exports.
package prometheus
