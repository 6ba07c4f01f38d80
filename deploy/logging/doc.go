// Package logging holds the log shipping configurations (Fluent Bit to Elasticsearch, and a
// Filebeat + Logstash alternative); its test holds the fields and the time format they rely on to
// the log lines a real pasar writes.
package logging
