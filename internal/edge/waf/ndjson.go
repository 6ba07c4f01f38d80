package waf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/corazawaf/coraza/v3/experimental/plugins"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// Coraza 3.8 has no body processor for newline-delimited JSON (the catalog's bulk import), and
// without one such a body is not inspected at all. ndjsonProcessor reads each line as a JSON
// document and names its values as the JSON processor would if the lines were the elements of
// one array: json.<document>.<path>, with blank lines skipped as the importer skips them. It
// parses with encoding/json, as the importer does, so the WAF sees every value (duplicate keys
// included) exactly as the handler will decode it.
type ndjsonProcessor struct{}

var registerNDJSON sync.Once

// registerBodyProcessors makes ctl:requestBodyProcessor=NDJSON available. Coraza's registry is
// process-wide, so this runs once, before the first rule set compiles.
func registerBodyProcessors() {
	registerNDJSON.Do(func() {
		plugins.RegisterBodyProcessor("ndjson", func() plugintypes.BodyProcessor { return ndjsonProcessor{} })
	})
}

// Bounds on what a body may flatten to, as Coraza's JSON processor has them: the flattened keys
// and values at most 8 times the body (4 KiB at least), and SecArgumentsLimit values in all.
const (
	ndjsonBytesFactor = 8
	ndjsonBytesFloor  = 4096
)

var (
	errNDJSONTooMany  = errors.New("more values than SecArgumentsLimit")
	errNDJSONTooLarge = errors.New("flattened body exceeds its byte budget")
	errNDJSONTooDeep  = errors.New("nested deeper than SecRequestBodyJsonDepthLimit")
	errNDJSONTrailing = errors.New("more than one JSON value on the line")
)

// ProcessRequest fills ARGS_POST; any invalid line is an error, which sets REQBODY_ERROR and so
// refuses the request (400). Over the argument limit it also sets ARGUMENTS_LIMIT_REACHED: a
// body inspected only in part is refused, never passed.
func (ndjsonProcessor) ProcessRequest(r io.Reader, v plugintypes.TransactionVariables, o plugintypes.BodyProcessorOptions) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	args := v.ArgsPost()
	err = readNDJSON(body, o.RequestBodyRecursionLimit, o.ArgumentLimit, args.Add)
	if errors.Is(err, errNDJSONTooMany) {
		if s, ok := v.ArgumentsLimitReached().(interface{ Set(string) }); ok {
			s.Set("1")
		}
	}
	return err
}

// ProcessResponse does nothing: responses are not inspected.
func (ndjsonProcessor) ProcessResponse(io.Reader, plugintypes.TransactionVariables, plugintypes.BodyProcessorOptions) error {
	return nil
}

// readNDJSON calls add with the name and value of every scalar in body's documents, and the
// length of every non-empty array (named by the array's own path), as Coraza's JSON processor
// does. maxDepth and maxArgs <= 0 mean no limit.
func readNDJSON(body []byte, maxDepth, maxArgs int, add func(key, value string)) error {
	f := flattener{maxDepth: maxDepth, maxArgs: maxArgs, budget: max(len(body)*ndjsonBytesFactor, ndjsonBytesFloor), add: add}
	doc := 0
	for n, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		err := f.value(dec, strconv.AppendInt([]byte("json."), int64(doc), 10), 0)
		if err == nil {
			if _, after := dec.Token(); after != io.EOF {
				err = errNDJSONTrailing
			}
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
		doc++
	}
	return nil
}

type flattener struct {
	maxDepth, maxArgs int
	budget            int // bytes of keys and values left
	args              int
	add               func(key, value string)
}

// value reads one JSON value from dec and adds its scalars under key.
func (f *flattener) value(dec *json.Decoder, key []byte, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim: // '{' or '[': the decoder rejects a stray closing one
		if f.maxDepth > 0 && depth >= f.maxDepth {
			return errNDJSONTooDeep
		}
		n := 0
		for dec.More() {
			k := append(key[:len(key):len(key)], '.')
			if t == '{' {
				name, err := dec.Token()
				if err != nil {
					return err
				}
				k = append(k, name.(string)...) // the decoder allows only a string here
			} else {
				k = strconv.AppendInt(k, int64(n), 10)
			}
			if err := f.value(dec, k, depth+1); err != nil {
				return err
			}
			n++
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		if t == '[' && n > 0 {
			return f.put(key, strconv.Itoa(n))
		}
		return nil
	case string:
		return f.put(key, t)
	case json.Number:
		return f.put(key, t.String())
	case bool:
		return f.put(key, strconv.FormatBool(t))
	default: // null
		return f.put(key, "")
	}
}

func (f *flattener) put(key []byte, value string) error {
	if f.maxArgs > 0 && f.args >= f.maxArgs {
		return errNDJSONTooMany
	}
	if f.budget -= len(key) + len(value); f.budget < 0 {
		return errNDJSONTooLarge
	}
	f.args++
	f.add(string(key), value)
	return nil
}
