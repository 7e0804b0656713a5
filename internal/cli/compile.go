package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/rendercache"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/disk"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/tree"
)

// cacheMaxBytes bounds the render cache; least recently used entries go
// first.
const cacheMaxBytes = 2 << 30

// compileOptions are the flags of every command that compiles the fleet:
// the render cache and the progress display.
type compileOptions struct {
	cacheDir string
	noCache  bool
	quiet    bool
	stderr   io.Writer // set by the command before compiling

	// shared, when set (shareCache), is the cache every compile of this
	// command uses, with entries shared in memory between them.
	shared *rendercache.Dir
	// root and build, once resolved, are cacheRoot's answer (the build's
	// digest reads the whole executable: once per command).
	root, build string
	resolved    bool
}

// shareCache makes the compiles of this command share one cache, and the
// bytes of every entry they read (diff: base and head). Call it before
// copying the options and before any compile starts.
func (o *compileOptions) shareCache() {
	if root, build := o.cacheRoot(); root != "" {
		o.shared = rendercache.OpenShared(root, build)
	}
}

// openCache is the cache of one compile: the shared one, or the folder's
// (nil with --no-cache).
func (o *compileOptions) openCache() *rendercache.Dir {
	if o.shared != nil {
		return o.shared
	}
	if root, build := o.cacheRoot(); root != "" {
		return rendercache.Open(root, build)
	}
	return nil
}

// openMemo is the loader's memo in the cache folder (nil with
// --no-cache).
func (o *compileOptions) openMemo() *rendercache.Memo {
	if root, build := o.cacheRoot(); root != "" {
		return rendercache.OpenMemo(root, build)
	}
	return nil
}

// openSeen is the memo of what was verified of the output folder out
// (disk.Seen), in the cache folder, by out's absolute path (nil with
// --no-cache).
func (o *compileOptions) openSeen(out string) *disk.Seen {
	root, _ := o.cacheRoot()
	abs, err := filepath.Abs(out)
	if root == "" || err != nil {
		return nil
	}
	sum := sha256.Sum256([]byte(abs))
	return disk.OpenSeen(filepath.Join(root, "seen", hex.EncodeToString(sum[:])), out)
}

// openSeenAsync starts reading the seen memo of out (openSeen) on another
// goroutine, so that its tens of megabytes decode while the config loads;
// the function returned waits for it. With seals, it then starts checking
// every seal of the memo against out (disk.Seen.CheckAllSealsAhead): the
// stat calls run while the config loads, and CheckSealsAhead later keeps
// those the render can use.
func (o *compileOptions) openSeenAsync(out string, seals bool) func() *disk.Seen {
	o.cacheRoot() // resolved here: the goroutine only reads it
	ch := make(chan *disk.Seen, 1)
	go func() {
		seen := o.openSeen(out)
		if seals {
			seen.CheckAllSealsAhead(out)
		}
		ch <- seen
	}()
	var once sync.Once
	var seen *disk.Seen
	return func() *disk.Seen {
		once.Do(func() { seen = <-ch })
		return seen
	}
}

// cacheRoot is the cache folder and the identity of this fleetc build
// (rendercache.Executable), or "" with --no-cache, with no home, or when
// the executable cannot be read: without knowing which build wrote an
// entry, no entry can be trusted.
func (o *compileOptions) cacheRoot() (root, build string) {
	if !o.resolved {
		o.root, o.build = o.findRoot()
		o.resolved = true
	}
	return o.root, o.build
}

func (o *compileOptions) findRoot() (root, build string) {
	if o.noCache {
		return "", ""
	}
	root = o.cacheDir
	if root == "" {
		r, err := rendercache.DefaultRoot()
		if err != nil {
			return "", ""
		}
		root = r
	}
	build, err := rendercache.Executable()
	if err != nil {
		return "", ""
	}
	return root, build
}

func (o *compileOptions) bindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.cacheDir, "cache-dir", "", "keep compiled clusters here between runs (default ${XDG_CACHE_HOME:-~/.cache}/fleetc/render)")
	fs.BoolVar(&o.noCache, "no-cache", false, "compile every cluster, read and write no cache")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress display, even on a terminal")
}

// compile renders cfg, with the cache and a progress display on stderr
// when it is a terminal and the compile takes over a second.
func (o *compileOptions) compile(cfg *model.Config, seeds []string) (*tree.Tree, error) {
	return o.compileSkip(cfg, seeds, nil)
}

// compileSkip is compile without the clusters in skip
// (renderer.Options.Skip): the tree has no index.
func (o *compileOptions) compileSkip(cfg *model.Config, seeds []string, skip map[string]bool) (*tree.Tree, error) {
	stderr := o.stderr
	if stderr == nil {
		stderr = io.Discard
	}
	opts := renderer.Options{Seeds: seeds, Skip: skip}
	cache := o.openCache()
	var puts int64
	if cache != nil {
		opts.Cache = cache
		puts = cache.Stats().Puts
	}
	p := newProgress(stderr, o.quiet)
	opts.Progress = p.update
	t, err := renderer.Compile(cfg, catalog.Default(), opts)
	p.finish()
	// Trimmed when this compile added entries: a walk of the whole cache
	// folder, 0.16 CPU-s at 10,000 clusters, is not paid by the runs that
	// only read it (a check of one change).
	if cache != nil && err == nil && cache.Stats().Puts > puts {
		_ = cache.Trim(cacheMaxBytes)
	}
	return t, err
}

// progress shows "compiled N/M clusters" on a terminal, from the second
// second on, at most ten times a second.
type progress struct {
	w     io.Writer
	on    bool
	start time.Time
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, on: !quiet && isTerminal(w), start: time.Now()}
}

func (p *progress) update(done, total int) {
	if !p.on {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.start) < time.Second || (now.Sub(p.last) < 100*time.Millisecond && done != total) {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\rcompiled %d/%d clusters", done, total)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprintf(p.w, "\r\033[K")
	}
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// sealKeys are the keys check and render seal the folders of cfg's render for
// (disk.Sealing.Keys): each cluster's two folders, by its ClusterKey,
// and the index, by the digest of the whole config (InputDigest, which
// its key starts with), each with the build of fleetc; and the clusters (by their control plane's folder, for
// renderer.Options.Skip) whose two folders (folders) seen holds seals of
// for those keys.
func sealKeys(cfg *model.Config, build string, seen *disk.Seen) (keys map[string]string, skip map[string]bool, folders []string) {
	cat := catalog.Default()
	key := func(k string) string {
		if k == "" {
			return ""
		}
		sum := sha256.Sum256([]byte("fleetc seal 1\x00" + build + "\x00" + k))
		return hex.EncodeToString(sum[:])
	}
	byFolder := renderer.FolderKeys(cfg, cat)
	keys = make(map[string]string, 2*len(cfg.Clusters)+1)
	skip = map[string]bool{}
	for _, c := range cfg.Clusters {
		cp, uc := layout.Cluster(c.Resolved.Seed, c.Name), layout.UserCluster(c.Resolved.Seed, c.Name)
		k := key(byFolder[cp])
		keys[cp], keys[uc] = k, k
		if seen.Sealed(cp, k) && seen.Sealed(uc, k) {
			skip[cp] = true
			folders = append(folders, cp, uc)
		}
	}
	// The index's key starts with the config's digest, which the index
	// holds: another digest means other bytes, whatever the build.
	digest := renderer.InputDigest(cfg, cat)
	keys[layout.IndexPath] = digest + " " + key(digest)
	return keys, skip, folders
}
