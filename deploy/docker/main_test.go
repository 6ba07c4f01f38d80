package docker

import (
	"os"
	"testing"

	"github.com/pasarhq/pasar/deploy/deploytest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	deploytest.RemoveBuilt()
	os.Exit(code)
}
