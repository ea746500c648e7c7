package airflow

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The fake below checks the client's side of the protocol (tokens, retries,
// serialized writes); the real Airflow is in backend/publish's peer tests.
func fake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) (*Client, *int32) {
	var tokens int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/token" {
			atomic.AddInt32(&tokens, 1)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"access_token":"tok` + string(rune('0'+atomic.LoadInt32(&tokens))) + `"}`))
			return
		}
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, User: "admin", Password: func(context.Context) (string, error) { return "pw", nil }})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c, &tokens
}

func TestTokenRenewedOnce(t *testing.T) {
	c, tokens := fake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok1" {
			w.WriteHeader(http.StatusUnauthorized) // the first token expired
			return
		}
		w.Write([]byte(`{"dag_id":"d","is_paused":true}`))
	})
	d, err := c.DAG(context.Background(), "d")
	if err != nil || !d.Paused {
		t.Fatalf("got %+v, %v", d, err)
	}
	if *tokens != 2 {
		t.Errorf("%d tokens asked, want 2", *tokens)
	}
}

func TestLockedDatabaseRetried(t *testing.T) {
	var calls int32
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt32(&calls, 1) < 3 {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"detail":"(sqlite3.OperationalError) database is locked"}`))
			return
		}
		w.Write([]byte(`{"dag_id":"d","is_paused":false}`))
	})
	d, err := c.SetPaused(context.Background(), "d", false)
	if err != nil || d.Paused {
		t.Fatalf("got %+v, %v", d, err)
	}
	if calls != 3 {
		t.Errorf("%d calls, want 3", calls)
	}
}

func TestOtherErrorsNotRetried(t *testing.T) {
	var calls int32
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"detail":[{"loc":["body","is_paused"],"msg":"Field required"}]}`))
	})
	_, err := c.SetPaused(context.Background(), "d", true)
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(ae.Detail, "is_paused") || !strings.Contains(ae.Detail, "Field required") {
		t.Fatalf("got %v", err)
	}
	if calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
}

func TestWritesSerialized(t *testing.T) {
	var inFlight, most int32
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request) {
		n := atomic.AddInt32(&inFlight, 1)
		for {
			m := atomic.LoadInt32(&most)
			if n <= m || atomic.CompareAndSwapInt32(&most, m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		atomic.AddInt32(&inFlight, -1)
		w.Write([]byte(`{}`))
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.SetVariable(context.Background(), "k", "v", ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d writes at once, want 1", most)
	}
}

func TestAuthRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"detail":"Invalid credentials"}`))
	}))
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL, User: "admin", Password: func(context.Context) (string, error) { return "wrong", nil }})
	_, err := c.DAG(context.Background(), "d")
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "Invalid credentials") || !strings.Contains(err.Error(), `"admin"`) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the password is in the message: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := New(Options{URL: url, User: "admin"})
	c.sleep = func(context.Context, time.Duration) error { return nil }
	_, err := c.DAG(context.Background(), "d")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), url) {
		t.Fatalf("got %v", err)
	}
}

func TestBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "127.0.0.1:8080", "http://"} {
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("New(%q) took it", u)
		}
	}
}

func TestRunIDsEscaped(t *testing.T) {
	var got string
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		w.Write([]byte(`{"dag_run_id":"x"}`))
	})
	id := "manual__2026-12-02T06:30:00+00:00 #1?x=%41"
	if _, err := c.DAGRun(context.Background(), "d", id); err != nil {
		t.Fatal(err)
	}
	if want := "/api/v2/dags/d/dagRuns/" + id; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
}
