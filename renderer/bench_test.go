package renderer_test

// Benchmarks on generated fleets (internal/fleetgen) of 100, 1,000 and
// 10,000 clusters, per stage and end to end. hack/bench.sh (make bench)
// runs each benchmark and size in its own process, so that the
// peak-RSS-MB metric (the process's VmHWM) is honest, and prints the table
// of docs/benchmarks.md.
//
//	go test -run '^$' -bench 'BenchmarkEndToEnd/^n=10000$' -benchtime 1x ./renderer
//
// Rendered trees are written below $FLEETC_BENCH_OUT when it is set (say, a
// tmpfs, to measure fleetc rather than the disk), else in a temporary
// folder of the default one.

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/fleetgen"
	"github.com/fleetc/fleetc/internal/rendercache"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/disk"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
)

// benchSizes are the fleet sizes (clusters) of every benchmark.
var benchSizes = []int{100, 1000, 10000}

// benchSeed is the fleetgen seed of every benchmark fleet.
const benchSeed = 1

// benchRoot holds the generated repos and written trees of this process;
// TestMain removes it.
var (
	benchRootOnce sync.Once
	benchRootDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchRootDir != "" {
		os.RemoveAll(benchRootDir)
	}
	os.Exit(code)
}

func benchRoot() string {
	benchRootOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fleetc-bench-")
		if err != nil {
			panic(err)
		}
		benchRootDir = dir
	})
	return benchRootDir
}

// outDir returns a new folder for rendered trees, removed after b.
func outDir(b *testing.B) string {
	base := os.Getenv("FLEETC_BENCH_OUT")
	if base == "" {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp(base, "fleetc-bench-out-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// benchFleet is one generated fleet, with what each stage needs, each
// made once per process, outside the timed loops.
type benchFleet struct {
	n int

	filesOnce sync.Once
	files     []source.File

	repoOnce sync.Once
	repo     string // git repository with the fleet committed on main
	repoErr  error

	cfgOnce sync.Once
	cfg     *model.Config
	cfgErr  error

	treeOnce sync.Once
	tree     *tree.Tree
	treeErr  error
}

var benchFleets sync.Map // int → *benchFleet

func fleetOf(n int) *benchFleet {
	f, _ := benchFleets.LoadOrStore(n, &benchFleet{n: n})
	return f.(*benchFleet)
}

func (f *benchFleet) sources() []source.File {
	f.filesOnce.Do(func() {
		files := fleetgen.Generate(f.n, benchSeed)
		for _, p := range fleetgen.Paths(files) {
			f.files = append(f.files, source.File{Path: p, Data: files[p]})
		}
	})
	return f.files
}

func (f *benchFleet) gitRepo(b *testing.B) string {
	f.repoOnce.Do(func() {
		dir := filepath.Join(benchRoot(), fmt.Sprintf("repo-%d", f.n))
		files := map[string][]byte{}
		for _, sf := range f.sources() {
			files[sf.Path] = sf.Data
		}
		if f.repoErr = fleetgen.WriteDir(dir, files); f.repoErr != nil {
			return
		}
		_, f.repoErr = fleetgen.Commit(dir, "generated fleet")
		f.repo = dir
	})
	if f.repoErr != nil {
		b.Fatal(f.repoErr)
	}
	return f.repo
}

func (f *benchFleet) config(b *testing.B) *model.Config {
	f.cfgOnce.Do(func() { f.cfg, f.cfgErr = renderer.Load(f.sources(), catalog.Default()) })
	if f.cfgErr != nil {
		b.Fatal(f.cfgErr)
	}
	return f.cfg
}

func (f *benchFleet) rendered(b *testing.B) *tree.Tree {
	cfg := f.config(b)
	f.treeOnce.Do(func() { f.tree, f.treeErr = renderer.Compile(cfg, catalog.Default(), renderer.Options{}) })
	if f.treeErr != nil {
		b.Fatal(f.treeErr)
	}
	return f.tree
}

// eachSize runs fn as a sub-benchmark n=<size> for every size.
func eachSize(b *testing.B, fn func(b *testing.B, f *benchFleet)) {
	for _, n := range benchSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) { fn(b, fleetOf(n)) })
	}
}

// BenchmarkLoad: config files in memory → validated model (parse, CUE
// evaluation with the schema, decoding, cross-entity validation).
func BenchmarkLoad(b *testing.B) {
	eachSize(b, func(b *testing.B, f *benchFleet) {
		files := f.sources()
		b.ReportAllocs()
		peak := startPeak()
		for b.Loop() {
			if _, err := renderer.Load(files, catalog.Default()); err != nil {
				b.Fatal(err)
			}
		}
		peak.report(b)
	})
}

// BenchmarkCompile: validated model → rendered tree in memory, index
// included.
func BenchmarkCompile(b *testing.B) {
	eachSize(b, func(b *testing.B, f *benchFleet) {
		cfg := f.config(b)
		b.ReportAllocs()
		peak := startPeak()
		var files int
		for b.Loop() {
			t, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{})
			if err != nil {
				b.Fatal(err)
			}
			files = t.Len()
		}
		b.ReportMetric(float64(files), "files")
		peak.report(b)
	})
}

// BenchmarkCompileOneChange: what a check or diff of a pull request that
// touches one cluster compiles: the whole fleet with a warm render cache
// on disk (internal/rendercache, as the CLI uses it), one cluster's
// inputs changed (a different cluster each iteration, so each one is a
// miss), the master's and seeds' own folders rebuilt, the index included.
func BenchmarkCompileOneChange(b *testing.B) {
	eachSize(b, func(b *testing.B, f *benchFleet) {
		cfg := f.config(b)
		dir, err := os.MkdirTemp(benchRoot(), "cache-")
		if err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)
		cache := rendercache.Open(dir, "bench")
		if _, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{Cache: cache}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		peak := startPeak()
		before := cache.Stats()
		i := 0
		for b.Loop() {
			changed := *cfg
			changed.Clusters = slices.Clone(cfg.Clusters)
			c := &changed.Clusters[i%len(changed.Clusters)]
			c.Labels = maps.Clone(c.Labels)
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			c.Labels["bench-change"] = strconv.Itoa(i)
			i++
			if _, err := renderer.Compile(&changed, catalog.Default(), renderer.Options{Cache: cache}); err != nil {
				b.Fatal(err)
			}
		}
		after := cache.Stats()
		if misses := after.Misses - before.Misses; misses != int64(i) {
			b.Fatalf("%d cache misses in %d compiles, want one each", misses, i)
		}
		b.ReportMetric(float64(after.Hits-before.Hits)/float64(i), "cache-hits/op")
		peak.report(b)
	})
}

// BenchmarkWrite: rendered tree → disk with disk.Write, into a folder that
// does not exist yet (fresh) and into one that already holds the same tree
// (uptodate: every file is compared, nothing is written).
func BenchmarkWrite(b *testing.B) {
	eachSize(b, func(b *testing.B, f *benchFleet) {
		t := f.rendered(b)
		b.Run("fresh", func(b *testing.B) {
			base := outDir(b)
			b.ReportAllocs()
			peak := startPeak()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(base, strconv.Itoa(i))
				if _, err := disk.Write(dir, t); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			peak.report(b)
		})
		b.Run("uptodate", func(b *testing.B) {
			dir := filepath.Join(outDir(b), "out")
			if _, err := disk.Write(dir, t); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			peak := startPeak()
			for b.Loop() {
				st, err := disk.Write(dir, t)
				if err != nil {
					b.Fatal(err)
				}
				if st.Written != 0 || st.Removed != 0 {
					b.Fatalf("up-to-date write changed files: %+v", st)
				}
			}
			peak.report(b)
		})
	})
}

// BenchmarkEndToEnd: a git revision → the rendered tree written into a new
// folder: what `fleetc render --rev HEAD --out DIR` does, in process.
func BenchmarkEndToEnd(b *testing.B) {
	eachSize(b, func(b *testing.B, f *benchFleet) {
		repo := f.gitRepo(b)
		base := outDir(b)
		b.ReportAllocs()
		peak := startPeak()
		var stages [4]time.Duration // read, load, compile, write
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			out := filepath.Join(base, strconv.Itoa(i))
			t0 := time.Now()
			snap, err := source.Read(repo, "HEAD")
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			cfg, err := renderer.Load(snap.Files, catalog.Default())
			if err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			t, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{})
			if err != nil {
				b.Fatal(err)
			}
			t3 := time.Now()
			if _, err := disk.Write(out, t); err != nil {
				b.Fatal(err)
			}
			t4 := time.Now()
			for k, d := range []time.Duration{t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3)} {
				stages[k] += d
			}
			b.StopTimer()
			os.RemoveAll(out)
			b.StartTimer()
		}
		for k, unit := range []string{"read-s", "load-s", "compile-s", "write-s"} {
			b.ReportMetric(stages[k].Seconds()/float64(b.N), unit)
		}
		peak.report(b)
	})
}

// peakRSS measures the process's peak resident set size (VmHWM) over a
// benchmark's loop. Linux only; elsewhere nothing is reported.
//
// VmHWM is process-wide: start resets it (writing 5 to
// /proc/self/clear_refs, after returning free memory to the OS) where the
// kernel allows, so that the fixtures built before are counted only as far
// as they are still live. Run one benchmark and size per process (as
// hack/bench.sh does) for figures that do not depend on what ran before.
type peakRSS struct{ ok bool }

func startPeak() peakRSS {
	if runtime.GOOS != "linux" {
		return peakRSS{}
	}
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // best effort
	_, ok := vmHWM()
	return peakRSS{ok: ok}
}

func (p peakRSS) report(b *testing.B) {
	if !p.ok {
		return
	}
	if kb, ok := vmHWM(); ok {
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	}
}

// vmHWM returns the VmHWM line of /proc/self/status, in KiB.
func vmHWM() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}
