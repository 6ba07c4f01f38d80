package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// fakeCatalog serves ScanProducts from a slice ordered by id, like the catalog does.
type fakeCatalog struct {
	products []catalog.ProductUpserted
	failAt   int // fail the scan once this many products were returned; 0 never
}

func (f *fakeCatalog) ScanProducts(ctx context.Context, after string, limit int) ([]catalog.ProductUpserted, error) {
	i, _ := slices.BinarySearchFunc(f.products, after, func(p catalog.ProductUpserted, id string) int {
		return strings.Compare(p.Product.ID, id)
	})
	if i < len(f.products) && f.products[i].Product.ID == after {
		i++
	}
	if f.failAt > 0 && i >= f.failAt {
		return nil, errors.New("catalog unreachable")
	}
	return f.products[i:min(i+limit, len(f.products))], nil
}

func generated(n int) *fakeCatalog {
	f := &fakeCatalog{}
	for i := range n {
		ev := product(fmt.Sprintf("p%05d", i), fmt.Sprintf("Rebuilt product %d", i), "Acme", int64(100+i), []string{"misc"}, "")
		if i%10 == 0 {
			ev.Product.Status = catalog.Draft
		}
		f.products = append(f.products, ev)
	}
	return f
}

func TestRebuild(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		migrate(t, d)
		testRebuild(t, d)
	})
}

func testRebuild(t *testing.T, d *db.DB) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "search")
	x, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, x, fixtures()) // what the old index held: none of it is in the catalog any more
	if _, err := Rebuild(ctx, path, generated(10), d, nil); err == nil {
		t.Error("rebuild succeeded while the index was open")
	}
	x.Close()

	var progress []int
	n, err := Rebuild(ctx, path, generated(1203), d, func(n int) { progress = append(progress, n) })
	if err != nil {
		t.Fatal(err)
	}
	if n != 1203 || !slices.Equal(progress, []int{500, 1000, 1203}) {
		t.Errorf("rebuilt %d, progress %v", n, progress)
	}
	if _, err := os.Stat(path + ".rebuild"); !os.IsNotExist(err) {
		t.Errorf("work folder left behind: %v", err)
	}
	x, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if c, _ := x.DocCount(); c != 1082 { // 1203 less the 121 drafts
		t.Errorf("index holds %d products, want 1082", c)
	}
	if found(t, x, "laptop", "p3") {
		t.Error("the old index's products survived the rebuild")
	}
	// The store knows the versions the rebuilt index holds, so a redelivered event changes nothing.
	if ok, err := x.Upsert(ctx, d, generated(2).products[1]); ok || err != nil {
		t.Errorf("redelivered event applied %v, err %v", ok, err)
	}
}

func TestRebuildFailureKeepsOldIndex(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "search")
	x, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, x, fixtures())
	x.Close()
	src := generated(1200)
	src.failAt = 700
	if _, err := Rebuild(context.Background(), path, src, openStore(t, "search"), nil); err == nil {
		t.Fatal("rebuild reported success on a failing catalog")
	}
	x, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if !found(t, x, "laptop", "p3") {
		t.Error("a failed rebuild lost the old index")
	}
}
