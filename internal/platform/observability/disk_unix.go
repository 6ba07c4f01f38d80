//go:build unix

package observability

import "golang.org/x/sys/unix"

const diskSpaceKnown = true

// diskSpace returns the size of the filesystem holding dir and the bytes an unprivileged
// process may still write there.
func diskSpace(dir string) (size, free uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return st.Blocks * uint64(st.Bsize), st.Bavail * uint64(st.Bsize), nil
}
