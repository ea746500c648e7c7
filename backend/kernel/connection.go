package kernel

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// connectionInfo is a Jupyter connection file.
type connectionInfo struct {
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	IP              string `json:"ip"`
	Key             string `json:"key"`
	Transport       string `json:"transport"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name"`
}

func (c connectionInfo) ports() Ports {
	return Ports{Shell: c.ShellPort, IOPub: c.IOPubPort, Stdin: c.StdinPort, Control: c.ControlPort, HB: c.HBPort}
}

// newKey returns a random HMAC key: 32 bytes from crypto/rand, hex-encoded.
func newKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make kernel key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// freePorts returns n distinct ports free on 127.0.0.1, holding all of them
// open until all are chosen so none is handed out twice. Another process may
// still take one before the kernel binds it; Jupyter accepts the same race.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// writeConnectionFile writes info into dir as kernel-<id>.json, readable by
// this user only (it holds the key), and returns its path.
func writeConnectionFile(dir string, info connectionInfo) (string, error) {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode connection file: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create kernel runtime dir: %w", err)
	}
	path := filepath.Join(dir, "kernel-"+newID()+".json")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create connection file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("write connection file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write connection file %s: %w", path, err)
	}
	return path, nil
}
