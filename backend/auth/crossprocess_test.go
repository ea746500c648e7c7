package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smallfry/backend/auth/authtest"
)

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// The proof of the cross-process refresh: N separate OS processes refresh
// one sign-in at the same moment against the real IdP, which rotates
// refresh tokens and revokes the grant on reuse. Afterwards the grant must
// still be alive: one more refresh succeeds.
func TestPeerCrossProcessRefresh(t *testing.T) {
	t.Parallel()
	idp := authtest.StartIdP(t)
	kc, kcArg := peerKeychain(t)
	s := peerSettings(idp, nil)
	c := newPeerClient(t, s, kc)
	if _, err := signInPeer(t, c.Client, idp.User); err != nil {
		t.Fatal(err)
	}
	settingsJSON, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	const n = 6

	// runChildren starts n processes that wait for one signal, then refresh.
	runChildren := func(t *testing.T, mode string) []string {
		t.Helper()
		barrier := filepath.Join(t.TempDir(), "go")
		type child struct {
			cmd *exec.Cmd
			out bytes.Buffer
			err bytes.Buffer
		}
		children := make([]*child, n)
		for i := range children {
			ch := &child{cmd: exec.Command(os.Args[0], "-test.run=^$")}
			ch.cmd.Env = append(os.Environ(),
				childEnv+"="+mode, childSettingsEnv+"="+string(settingsJSON), childDirEnv+"="+c.dir,
				childKeychainEnv+"="+kcArg, childBarrierEnv+"="+barrier)
			ch.cmd.Stdout, ch.cmd.Stderr = &ch.out, &ch.err
			if err := ch.cmd.Start(); err != nil {
				t.Fatal(err)
			}
			children[i] = ch
		}
		time.Sleep(300 * time.Millisecond) // all started and waiting
		if err := os.WriteFile(barrier, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		var digests []string
		for i, ch := range children {
			if err := ch.cmd.Wait(); err != nil {
				t.Errorf("process %d: %v\n%s", i, err, ch.err.String())
				continue
			}
			digests = append(digests, strings.TrimPrefix(strings.TrimSpace(ch.out.String()), "ok "))
		}
		return digests
	}
	rotations := func(t *testing.T) int {
		t.Helper()
		st, err := c.store.load()
		if err != nil {
			t.Fatalf("after the children: %v", err)
		}
		return st.Rotations
	}

	t.Run("every process rotates", func(t *testing.T) {
		before := rotations(t)
		digests := runChildren(t, "force")
		if got := rotations(t) - before; got != n {
			t.Errorf("%d rotations by %d processes; want one each, in turn", got, n)
		}
		seen := map[string]bool{}
		for _, d := range digests {
			if seen[d] {
				t.Errorf("two processes left the same refresh token: a rotation was lost")
			}
			seen[d] = true
		}
	})
	t.Run("one process refreshes, the others reuse it", func(t *testing.T) {
		// Make the stored id_token look expired to every process.
		st, err := c.store.load()
		if err != nil {
			t.Fatal(err)
		}
		st.IDTokenExpiry = time.Now().Add(-time.Second)
		if err := c.store.save(st); err != nil {
			t.Fatal(err)
		}
		before := st.Rotations
		digests := runChildren(t, "fresh")
		if got := rotations(t) - before; got != 1 {
			t.Errorf("%d rotations; want 1 (the others find the fresh id_token after the lock)", got)
		}
		for i, d := range digests {
			if d != digests[0] {
				t.Errorf("process %d saw another refresh token", i)
			}
		}
	})
	// The grant survived all of it.
	if _, err := c.refresh(context.Background(), true); err != nil {
		t.Fatalf("a refresh after the processes: %v (the grant was revoked?)", err)
	}
}
