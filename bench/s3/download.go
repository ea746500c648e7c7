package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"smallfry/backend/s3"
)

// The download figure's objects and settings. Both sides split objects in
// parts of partSize and keep at most concurrency requests in flight.
const (
	partSize    = 8 << 20
	concurrency = 4
)

type objectSet struct {
	name    string
	count   int
	size    int64
	repeats int
}

var downloadSets = []objectSet{
	{"8 x 64 MiB", 8, 64 << 20, 5},
	{"200 x 256 KiB", 200, 256 << 10, 5},
}

// sample is one timed download of a whole set.
type sample struct {
	Seconds float64 `json:"seconds"`
	CPU     float64 `json:"cpu"` // user + system seconds of the downloading process
}

func benchDownload(ctx context.Context, p peer, py string) error {
	bucket, err := p.newBucket(ctx, "download")
	if err != nil {
		return err
	}
	keys := map[string][]string{}
	if err := upload(ctx, p, bucket, keys); err != nil {
		return err
	}
	boto, err := startBoto(py, bucket)
	if err != nil {
		return err
	}
	defer boto.close()

	fmt.Printf("1. download into an empty cache: Store.Fetch vs boto3 transfer manager (%d MiB parts, %d requests in flight; median, runs alternated)\n", partSize>>20, concurrency)
	fmt.Printf("  %-14s %5s %11s %12s %11s %20s\n", "objects", "runs", "ours MiB/s", "boto3 MiB/s", "ours/boto3", "CPU s/GiB ours|boto3")
	for _, set := range downloadSets {
		var ours, peer []sample
		for range set.repeats {
			o, err := fetchOurs(ctx, p, bucket, keys[set.name], set)
			if err != nil {
				return err
			}
			b, err := boto.fetch(p, keys[set.name], set)
			if err != nil {
				return err
			}
			ours, peer = append(ours, o), append(peer, b)
		}
		mib := float64(int64(set.count)*set.size) / (1 << 20)
		o, b := rate(ours, mib), rate(peer, mib)
		fmt.Printf("  %-14s %5d %11.0f %12.0f %10.2fx %14.2f|%.2f\n", set.name, set.repeats, o, b, o/b,
			median(cpus(ours))/(mib/1024), median(cpus(peer))/(mib/1024))
	}
	fmt.Println("  goal ours/boto3 >= 1.0")
	return nil
}

// upload stores each set's objects (random bytes) under dl/<set>/.
func upload(ctx context.Context, p peer, bucket string, keys map[string][]string) error {
	admin, err := p.store(bucket, "", nil)
	if err != nil {
		return err
	}
	tmp := filepath.Join(p.scratch, "upload")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for si, set := range downloadSets {
		for i := range set.count {
			file := filepath.Join(tmp, "obj")
			if err := randomFile(file, set.size, uint64(si*1000+i)); err != nil {
				return err
			}
			key := fmt.Sprintf("dl/set%d/obj-%03d.bin", si, i)
			if err := admin.Put(ctx, key, file); err != nil {
				return err
			}
			keys[set.name] = append(keys[set.name], key)
		}
	}
	return nil
}

func randomFile(path string, size int64, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	if _, err := io.CopyN(f, src, size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fetchOurs downloads the set with Store.Fetch into a new, empty cache. The
// Store is made (and its connection opened) before the clock starts, as
// the peer's client is.
func fetchOurs(ctx context.Context, p peer, bucket string, keys []string, set objectSet) (sample, error) {
	cache, err := os.MkdirTemp(p.scratch, "ours-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(cache)
	st, err := p.store(bucket, "", func(c *s3.Config) { c.CacheDir, c.PartSize, c.Concurrency = cache, partSize, concurrency })
	if err != nil {
		return sample{}, err
	}
	if _, err := st.Stat(ctx, keys[0]); err != nil {
		return sample{}, err
	}
	syncDisks()
	c0, t0 := cpuTime(), time.Now()
	if err := st.Fetch(ctx, keys, nil); err != nil {
		return sample{}, err
	}
	s := sample{Seconds: time.Since(t0).Seconds(), CPU: (cpuTime() - c0).Seconds()}
	for _, k := range keys {
		local, err := st.LocalPath(ctx, k)
		if err != nil {
			return sample{}, err
		}
		if err := checkSize(local, set.size); err != nil {
			return sample{}, err
		}
	}
	return s, nil
}

func checkSize(path string, want int64) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Size() != want {
		return fmt.Errorf("%s has %d bytes, want %d", path, info.Size(), want)
	}
	return nil
}

func rate(samples []sample, mib float64) float64 {
	var secs []float64
	for _, s := range samples {
		secs = append(secs, s.Seconds)
	}
	return mib / median(secs)
}

func cpus(samples []sample) []float64 {
	var out []float64
	for _, s := range samples {
		out = append(out, s.CPU)
	}
	return out
}

// botoPeer is peer.py, started once: it keeps its boto3 client across runs,
// as the Go side keeps its process warm.
type botoPeer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startBoto(py, bucket string) (*botoPeer, error) {
	cmd := exec.Command(py, "bench/s3/peer.py", bucket, strconv.Itoa(partSize), strconv.Itoa(concurrency))
	cmd.Stderr = os.Stderr // the peer never prints the keys it was given
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the boto3 peer: %w", err)
	}
	b := &botoPeer{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	if !b.out.Scan() || b.out.Text() != "ready" {
		b.close()
		return nil, fmt.Errorf("the boto3 peer did not start (%s %s)", py, "bench/s3/peer.py")
	}
	return b, nil
}

// fetch has the peer download keys into a new, empty folder.
func (b *botoPeer) fetch(p peer, keys []string, set objectSet) (sample, error) {
	dir, err := os.MkdirTemp(p.scratch, "boto-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dir)
	syncDisks()
	req, _ := json.Marshal(map[string]any{"keys": keys, "dir": dir})
	if _, err := fmt.Fprintf(b.in, "%s\n", req); err != nil {
		return sample{}, fmt.Errorf("boto3 peer: %w", err)
	}
	if !b.out.Scan() {
		return sample{}, fmt.Errorf("boto3 peer ended: %v", b.out.Err())
	}
	var s sample
	if err := json.Unmarshal(b.out.Bytes(), &s); err != nil {
		return sample{}, fmt.Errorf("boto3 peer said %q", b.out.Text())
	}
	for _, k := range keys {
		if err := checkSize(filepath.Join(dir, filepath.FromSlash(k)), set.size); err != nil {
			return sample{}, fmt.Errorf("boto3 peer: %w", err)
		}
	}
	return s, nil
}

func (b *botoPeer) close() {
	b.in.Close()
	_ = b.cmd.Wait()
}
