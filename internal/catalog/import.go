package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

// maxImportLine bounds one line of an import; a product document is far smaller.
const maxImportLine = 1 << 20

// ImportProducts creates or updates (by id, else by slug) one product per JSON line of r. Each line
// commits on its own, so a rejected line leaves the others stored; blank lines are skipped.
func (c *Core) ImportProducts(ctx context.Context, r io.Reader, progress func(ImportProgress)) (ImportReport, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return ImportReport{}, err
	}
	return importLines(ctx, c, r, progress)
}

// importLines runs an import through any Service, so the cache decorator's writes invalidate as
// they go.
func importLines(ctx context.Context, s Service, r io.Reader, progress func(ImportProgress)) (ImportReport, error) {
	var rep ImportReport
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxImportLine)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Lines++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			rep.Lines--
			continue
		}
		created, err := importLine(ctx, s, line)
		switch {
		case err == nil && created:
			rep.Created++
		case err == nil:
			rep.Updated++
		case apperr.KindOf(err) == apperr.Internal || apperr.KindOf(err) == apperr.Unavailable:
			return rep, fmt.Errorf("import line %d: %w", rep.Lines, err)
		default:
			rep.Rejected++
			rep.Rejections = append(rep.Rejections, rejection(rep.Lines, err))
		}
		if progress != nil {
			progress(rep.ImportProgress)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return rep, apperr.New(apperr.BadRequest, "line_too_long",
				fmt.Sprintf("Line %d is longer than %d bytes.", rep.Lines+1, maxImportLine))
		}
		return rep, fmt.Errorf("read import: %w", err)
	}
	return rep, nil
}

func importLine(ctx context.Context, s Service, line []byte) (created bool, err error) {
	var p Product
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return false, apperr.New(apperr.BadRequest, "malformed_line", "The line is not a product document: "+err.Error())
	}
	key := p.ID
	if key == "" {
		key = p.Slug
	}
	if key != "" {
		cur, err := s.Product(ctx, key)
		switch {
		case err == nil:
			p.ID = cur.ID
			_, err = s.UpdateProduct(ctx, p, 0)
			return false, err
		case !errors.Is(err, ErrNotFound):
			return false, err
		}
	}
	_, err = s.CreateProduct(ctx, p)
	return true, err
}

func rejection(line int, err error) Rejection {
	r := Rejection{Line: line, Code: apperr.KindOf(err).String(), Detail: "rejected"}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		r.Code, r.Detail, r.Errors = ae.Code, ae.Message, ae.Fields
	}
	return r
}
