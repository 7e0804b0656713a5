#!/usr/bin/env bash
# Benchmarks fleetc on generated fleets (internal/fleetgen) and prints the
# tables of docs/benchmarks.md. `make bench` runs it.
#
#  1. Go benchmarks of renderer/bench_test.go, each benchmark and size in a
#     process of its own, so that the peak-RSS-MB metric (VmHWM) belongs to
#     that benchmark alone.
#  2. Whole processes on the same generated fleet, committed with go-git:
#     `fleetc render --no-cache --rev HEAD` against two floors, `cue export`
#     of the same config files and `cp -r` of the rendered tree.
#
# Environment:
#   SIZES       fleet sizes, in clusters            (default "100 1000 10000")
#   BENCHTIME   go test -benchtime                  (default 1x)
#   BENCH_OUT   folder for rendered trees and copies: its file system is the
#               one measured (default: the work folder, under $TMPDIR; say
#               /dev/shm to take the disk out of the figures)
#   BENCH_WORK  work folder, kept when set           (default: a temporary one)
#   MEMLIMIT    GOMEMLIMIT for the whole-process renders (default: none)
set -euo pipefail
export GOTOOLCHAIN=local
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"100 1000 10000"}
BENCHTIME=${BENCHTIME:-1x}
if [[ -n ${BENCH_WORK:-} ]]; then
	WORK=$BENCH_WORK
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleetc-bench.XXXXXX")
fi
OUT=${BENCH_OUT:-$WORK}
OUT=$(mktemp -d "$OUT/fleetc-bench-out.XXXXXX")
trap 'rm -rf "$OUT"; [[ -n ${BENCH_WORK:-} ]] || rm -rf "$WORK"' EXIT
TOOLS=${XDG_CACHE_HOME:-$HOME/.cache}/fleetc/bench-tools

log() { echo "bench: $*" >&2; }

# measure CMD...: runs CMD, prints "SECONDS PEAK_RSS_KIB".
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
	measure() { /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >/dev/null && cat "$WORK/time.txt"; }
	# measure_any: measure for a command whose exit status does not matter.
	measure_any() { /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true; tail -n 1 "$WORK/time.txt"; }
else
	go build -o "$WORK/measure" hack/measure.go
	measure() { "$WORK/measure" -- "$@" 2>"$WORK/time.txt" >/dev/null && tail -n 1 "$WORK/time.txt"; }
	measure_any() { "$WORK/measure" -- "$@" 2>"$WORK/time.txt" >/dev/null || true; tail -n 1 "$WORK/time.txt"; }
fi

log "building fleetc, the benchmark binary and cue v0.17.1 (work folder $WORK, output on $OUT)"
go build -o "$WORK/fleetc" ./cmd/fleetc
go test -c -o "$WORK/renderer.test" ./renderer
if [[ ! -x $TOOLS/cue ]] || ! "$TOOLS/cue" version 2>/dev/null | grep -q 'v0.17.1'; then
	# Not in fleetc's module graph (cmd/cue needs more modules): installed
	# on its own, go.mod untouched.
	GOBIN=$TOOLS go install cuelang.org/go/cmd/cue@v0.17.1
fi
CUE=$TOOLS/cue

# bench NAME N: runs one benchmark for one size in its own process and
# prints its result line.
bench() {
	local pattern="^$1\$/^n=$2\$"
	[[ -n ${3:-} ]] && pattern="$pattern/^$3\$"
	(cd renderer && FLEETC_BENCH_OUT=$OUT "$WORK/renderer.test" -test.run '^$' -test.bench "$pattern" \
		-test.benchtime "$BENCHTIME" -test.timeout 60m) | grep '^Benchmark' || { log "benchmark $pattern failed"; exit 1; }
}

# field LINE UNIT: the value before UNIT in a benchmark result line.
field() { awk -v unit="$2" '{ for (i = 2; i <= NF; i++) if ($i == unit) { print $(i-1); exit } }' <<<"$1"; }

secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
kib2mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
millions() { awk -v n="$1" 'BEGIN { printf "%.1f M", n / 1e6 }'; }

# cell LINE: "time s, allocs, alloc MiB, peak MiB" of a benchmark line.
cell() {
	printf '%s s · %s allocs · %s MiB alloc · %s MiB peak' "$(secs "$(field "$1" ns/op)")" \
		"$(millions "$(field "$1" allocs/op)")" "$(mib "$(field "$1" B/op)")" "$(field "$1" peak-RSS-MB | cut -d. -f1)"
}

stages=()
whole=()
incremental=()
targets=()
# verdict FIGURE LIMIT: met when FIGURE <= LIMIT.
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v <= t) print "met"; else print "**not met**" }'; }
for n in $SIZES; do
	repo=$WORK/fleet-$n
	if [[ ! -d $repo/.git ]]; then
		log "generating a fleet of $n clusters"
		"$WORK/fleetc" dev gen --clusters "$n" --out "$repo" --git >/dev/null
	fi
	log "n=$n: go benchmarks (one process each)"
	load=$(bench BenchmarkLoad "$n")
	compile=$(bench BenchmarkCompile "$n")
	fresh=$(bench BenchmarkWrite "$n" fresh)
	uptodate=$(bench BenchmarkWrite "$n" uptodate)
	e2e=$(bench BenchmarkEndToEnd "$n")
	onechange=$(bench BenchmarkCompileOneChange "$n")
	files=$(field "$compile" files)
	split=$(awk -v r="$(field "$e2e" read-s)" -v l="$(field "$e2e" load-s)" -v c="$(field "$e2e" compile-s)" -v w="$(field "$e2e" write-s)" \
		'BEGIN { printf "read %.2f + load %.2f + compile %.2f + write %.2f s", r, l, c, w }')
	stages+=("| $n | $files | $(cell "$load") | $(cell "$compile") | $(cell "$fresh") | $(cell "$uptodate") | $(cell "$e2e") ($split) | $(cell "$onechange") |")

	log "n=$n: whole processes"
	rm -rf "$OUT/render-$n" "$OUT/copy-$n"
	sync
	read -r rs rk < <(measure env GOMEMLIMIT="${MEMLIMIT:-}" "$WORK/fleetc" render --no-cache --quiet --repo "$repo" --rev HEAD --out "$OUT/render-$n")
	mapfile -t cuefiles < <(git -C "$repo" ls-files '*.cue')
	read -r cs ck < <(cd "$repo" && measure "$CUE" export "${cuefiles[@]}")
	"$WORK/fleetc" schema >"$WORK/fleet_schema.cue"
	"$WORK/fleetc" schema --vet >"$WORK/fleet_vet.cue"
	read -r vs vk < <(cd "$repo" && measure "$CUE" export "$WORK/fleet_schema.cue" "$WORK/fleet_vet.cue" "${cuefiles[@]}")
	sync
	read -r ps pk < <(measure cp -r "$OUT/render-$n" "$OUT/copy-$n")
	rm -rf "$OUT/render-$n" "$OUT/copy-$n"
	# The pull request's path (issue 17), from git revisions, with a warm
	# render cache and an output folder rendered before: render again and
	# check with nothing changed; then one cluster's label changed and
	# committed: check, diff BASE HEAD and render of that commit.
	cache=$WORK/cache-$n
	rm -rf "$cache" "$OUT/inc-$n"
	"$WORK/fleetc" render --quiet --cache-dir "$cache" --repo "$repo" --rev HEAD --out "$OUT/inc-$n" >/dev/null
	read -r ws wk < <(measure_any "$WORK/fleetc" render --quiet --cache-dir "$cache" --repo "$repo" --rev HEAD --out "$OUT/inc-$n")
	# The first check after a render reads the files render wrote and
	# seals the cluster folders; the checks after it stat them.
	read -r fs fk < <(measure_any "$WORK/fleetc" check --quiet --cache-dir "$cache" --repo "$repo" --rev HEAD --out "$OUT/inc-$n")
	read -r us uk < <(measure_any "$WORK/fleetc" check --quiet --cache-dir "$cache" --repo "$repo" --rev HEAD --out "$OUT/inc-$n")
	changed=$(git -C "$repo" ls-files 'clusters/*.cue' | sed -n 1p) # sed reads it all: no SIGPIPE under pipefail
	decl=$(grep -o -m 1 '^clusters: "[^"]*"' "$repo/$changed")
	printf '\n%s: labels: "bench-change": "1"\n' "$decl" >>"$repo/$changed"
	git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -q -am "bench: one cluster changed"
	read -r ks kk < <(measure_any "$WORK/fleetc" check --quiet --cache-dir "$cache" --repo "$repo" --rev HEAD --out "$OUT/inc-$n")
	read -r ds dk < <(measure_any "$WORK/fleetc" diff --quiet --cache-dir "$cache" --repo "$repo" HEAD~1 HEAD)
	read -r is ik < <(measure_any "$WORK/fleetc" render --quiet --cache-dir "$cache" --repo "$repo" --rev HEAD --out "$OUT/inc-$n")
	git -C "$repo" reset -q --hard HEAD~1
	rm -rf "$cache" "$OUT/inc-$n"
	incremental+=("| $n | $ws s · $(kib2mib "$wk") MiB | $fs s · $(kib2mib "$fk") MiB | $us s · $(kib2mib "$uk") MiB | $ks s · $(kib2mib "$kk") MiB | $ds s · $(kib2mib "$dk") MiB | $is s · $(kib2mib "$ik") MiB |")
	half=$(awk -v r="$rs" 'BEGIN { printf "%.2f", r / 2 }')
	targets+=("| $n | render, nothing changed: at most half the cold render ($half s) | $ws s · $(kib2mib "$wk") MiB | $(verdict "$ws" "$half") |")
	targets+=("| $n | check, nothing changed: at most half the cold render ($half s) | $us s · $(kib2mib "$uk") MiB | $(verdict "$us" "$half") |")
	if [[ $n == 10000 ]]; then
		targets+=("| $n | check, one cluster changed: under 3 s | $ks s · $(kib2mib "$kk") MiB | $(verdict "$ks" 3) |")
		targets+=("| $n | diff BASE HEAD, one cluster changed: under 3 s | $ds s · $(kib2mib "$dk") MiB | $(verdict "$ds" 3) |")
		targets+=("| $n | render, one cluster changed: under 5 s | $is s · $(kib2mib "$ik") MiB | $(verdict "$is" 5) |")
		targets+=("| $n | cold render (--no-cache): under 20 s | $rs s · $(kib2mib "$rk") MiB | $(verdict "$rs" 20) |")
		targets+=("| $n | cold render: under 2 GiB | $(kib2mib "$rk") MiB | $(verdict "$rk" 2097152) |")
	fi

	floors=$(awk -v a="$cs" -v b="$ps" 'BEGIN { printf "%.2f", a + b }')
	ratio=$(awk -v r="$rs" -v f="$floors" 'BEGIN { printf "%.2f", r / f }')
	if [[ $n == 1000 ]]; then
		targets+=("| $n | cold render (--no-cache): at most 2 × (cue export + cp -r) | $rs s against $floors s: $ratio × | $(verdict "$ratio" 2) |")
	fi
	whole+=("| $n | $files | $rs s · $(kib2mib "$rk") MiB | $cs s · $(kib2mib "$ck") MiB | $ps s | $floors s | **$ratio** | $vs s · $(kib2mib "$vk") MiB |")
done

cat <<EOF

Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //' || uname -m), $(go version | cut -d' ' -f3-)
Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
Output file system: $(df -T "$OUT" 2>/dev/null | awk 'NR == 2 { print $2 " (" $1 ")" }')

Go benchmarks (one process per cell; time per operation, allocations, bytes
allocated, peak RSS of the process):

| clusters | files | Load | Compile | Write, fresh | Write, up to date | End to end (git revision → written tree) | Compile, one cluster changed, warm cache |
|---:|---:|---|---|---|---|---|---|
EOF
printf '%s\n' "${stages[@]}"
cat <<EOF

Whole processes on the same fleet (wall time, peak RSS):

| clusters | files | fleetc render --rev HEAD | floor: cue export | floor: cp -r | floors | render / floors | cue export with schema |
|---:|---:|---|---|---|---|---:|---|
EOF
printf '%s\n' "${whole[@]}"
cat <<EOF

The pull request's path, from git revisions, warm render cache, output
folder rendered before (wall time, peak RSS): render with nothing changed,
check twice (the first after a render reads what it wrote and seals the
cluster folders); then one cluster's label changed and committed: check
--rev HEAD, diff HEAD~1 HEAD, render --rev HEAD.

| clusters | render, nothing changed | first check after the render | check, nothing changed | check, one cluster changed | diff BASE HEAD, one cluster changed | render, one cluster changed |
|---:|---|---|---|---|---|---|
EOF
printf '%s\n' "${incremental[@]}"
cat <<EOF

Targets (issues 13 and 17), each figure beside its target:

| clusters | target | figure | |
|---:|---|---|---|
EOF
printf '%s\n' "${targets[@]}"
