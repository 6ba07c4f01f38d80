package db

import (
	"context"
	"strconv"
	"strings"
)

// Values returns a VALUES list with a row of placeholders per row of rows, numbered on from
// $(len(args)+1), and args with the rows' values appended: several rows in one statement, one
// round trip, after args that the statement's text before it already numbers.
func Values(rows [][]any, args []any) (string, []any) {
	var q strings.Builder
	q.WriteString("VALUES ")
	for i, row := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				q.WriteString(", ")
			}
			args = append(args, v)
			q.WriteString("$" + strconv.Itoa(len(args)))
		}
		q.WriteByte(')')
	}
	return q.String(), args
}

// InsertRows runs insert (an INSERT INTO with its column list) with the rows of rows, all in one
// statement. No rows is no statement.
func InsertRows(ctx context.Context, q Querier, insert string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	values, args := Values(rows, make([]any, 0, len(rows)*len(rows[0])))
	_, err := q.ExecContext(ctx, insert+" "+values, args...)
	return err
}
