package app

import (
	"context"
	"reflect"
	"testing"

	"smallfry/backend/workbench"
)

// TestBindingsMatch checks that the window binds exactly the service's
// methods, with the same arguments after the context and the same results,
// so the frontend's api module works the same over Wails and over HTTP.
func TestBindingsMatch(t *testing.T) {
	svc := reflect.TypeOf(&workbench.Service{})
	bound := reflect.TypeOf(&Workbench{})
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	want := map[string]bool{}
	for i := 0; i < svc.NumMethod(); i++ {
		m := svc.Method(i)
		if m.Type.NumIn() < 2 || m.Type.In(1) != ctxType {
			continue // not part of the API (Close)
		}
		want[m.Name] = true
		b, ok := bound.MethodByName(m.Name)
		if !ok {
			t.Errorf("Workbench lacks %s", m.Name)
			continue
		}
		if b.Type.NumIn() != m.Type.NumIn()-1 || b.Type.NumOut() != m.Type.NumOut() {
			t.Errorf("%s: bound as %v, service has %v", m.Name, b.Type, m.Type)
			continue
		}
		for j := 2; j < m.Type.NumIn(); j++ {
			if b.Type.In(j-1) != m.Type.In(j) {
				t.Errorf("%s argument %d: bound %v, service %v", m.Name, j-1, b.Type.In(j-1), m.Type.In(j))
			}
		}
		for j := 0; j < m.Type.NumOut(); j++ {
			if b.Type.Out(j) != m.Type.Out(j) {
				t.Errorf("%s result %d: bound %v, service %v", m.Name, j, b.Type.Out(j), m.Type.Out(j))
			}
		}
	}
	for i := 0; i < bound.NumMethod(); i++ {
		if name := bound.Method(i).Name; !want[name] {
			t.Errorf("Workbench binds %s, which the service does not have", name)
		}
	}
}
