// Package docker holds the Dockerfile of the pasar image; its tests run the Dockerfile's own build
// command and its health check, since a Docker engine is not needed for either.
package docker
