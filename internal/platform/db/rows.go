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
	return TypedValues(rows, args)
}

// TypedValues is Values with each column's placeholder cast to the SQL type of the same place in
// types (all of a row's columns, when any). A VALUES list read as a table (in FROM, or in a WITH
// item) takes no types from where its rows go, and PostgreSQL types an untyped parameter there
// as text.
func TypedValues(rows [][]any, args []any, types ...string) (string, []any) {
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
			if types != nil {
				q.WriteString("CAST($" + strconv.Itoa(len(args)) + " AS " + types[j] + ")")
			} else {
				q.WriteString("$" + strconv.Itoa(len(args)))
			}
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
