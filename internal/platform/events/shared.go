package events

import "context"

// sharedKey is the context key of the values shared by a group's handlers.
type sharedKey struct{}

// sharedValues holds what Shared loaded in one transaction of a group. Its handlers run one at a
// time, so it needs no lock.
type sharedValues struct{ m map[any]any }

// Shared returns what load returns, loaded once per transaction for all the events that a
// grouped consumer (SubscribeGrouped) handles in it: the first handler of the transaction to ask
// for key loads it, the next ones get the same value. Elsewhere (Subscribe, a handler called
// directly) it calls load every time. A failed load is not kept.
//
// It is for what a handler reads and its group's handlers do not write, such as configuration
// rows: load must read through the handler's transaction, and the value holds for the whole
// group, so a row committed by others while the group runs is seen by the next group (on
// PostgreSQL a per-event read could have seen it for the group's later events).
func Shared[T any](ctx context.Context, key any, load func() (T, error)) (T, error) {
	s, _ := ctx.Value(sharedKey{}).(*sharedValues)
	if s == nil {
		return load()
	}
	if v, ok := s.m[key]; ok {
		return v.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if s.m == nil {
		s.m = map[any]any{}
	}
	s.m[key] = v
	return v, nil
}
