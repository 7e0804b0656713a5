#!/usr/bin/env bash
# e2e-tools.sh builds the real binaries that the e2e tier (test/e2e) runs:
# kube-apiserver, kube-controller-manager, kube-scheduler, etcd, etcdctl,
# etcdutl, source-controller, kustomize-controller and versitygw (the
# S3-compatible server of the backup test), each from its wrapper module
# under test/e2e/tools/.
#
# Every binary is cached on its own, under a key of its own:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/fleetc/bin/<name>-<version>-<digest>/<name>
#
# where <digest> is the first 12 hex digits of the sha256 of its wrapper
# module's files (go.mod, go.sum, tools.go) and of its build recipe (the
# package, the -ldflags and the go build flags): what can change that
# binary changes its key, and nothing else does. Adding a tool or changing
# one wrapper rebuilds only the binaries of that wrapper.
#
# A binary is built only when its directory is missing. A build writes into a
# temporary sibling directory and renames it into place at the very end, so an
# interrupted build never leaves a directory that a later run would trust.
#
# The tests want one folder with every binary: the script links them (hard
# links, same file system) into
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/fleetc/e2ebin-<digest of all the keys>
#
# made the same way (temporary sibling, rename). The last line on stdout is
# that folder; everything else goes to stderr.
# Usage: FLEETC_E2E_BIN="$(bash hack/e2e-tools.sh | tail -n1)"
#        bash hack/e2e-tools.sh --keys   (each binary's directory; builds nothing)
set -euo pipefail

export GOTOOLCHAIN=local

# Keep these in step with the wrapper modules' go.mod files.
KAS_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
SRCCTL_VERSION=v1.9.6
KUSCTL_VERSION=v1.9.6
VERSITYGW_VERSION=v1.8.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${root}/test/e2e/tools"
cache="${XDG_CACHE_HOME:-${HOME}/.cache}/fleetc"
goflags="-mod=readonly -trimpath"

log() { printf 'e2e-tools: %s\n' "$*" >&2; }

kminor="${KAS_VERSION#v1.}"
kminor="${kminor%%.*}"
kver="-X k8s.io/component-base/version.gitVersion=${KAS_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${kminor}"

# The recipes, in build order (later builds reuse packages compiled for
# earlier ones; on two cores building them in parallel does not help):
# name|version|wrapper|package|ldflags|smoke (a command line whose output must
# contain the version; $B is the binary).
recipes=(
	"kube-apiserver|${KAS_VERSION}|kas|k8s.io/kubernetes/cmd/kube-apiserver|${kver}|\$B --version"
	"kube-controller-manager|${KAS_VERSION}|kas|k8s.io/kubernetes/cmd/kube-controller-manager|${kver}|\$B --version"
	"kube-scheduler|${KAS_VERSION}|kas|k8s.io/kubernetes/cmd/kube-scheduler|${kver}|\$B --version"
	"etcd|${ETCD_VERSION}|etcd|go.etcd.io/etcd/server/v3||\$B --version"
	"etcdctl|${ETCD_VERSION}|etcdctl|go.etcd.io/etcd/etcdctl/v3||\$B version"
	"etcdutl|${ETCD_VERSION}|etcdctl|go.etcd.io/etcd/etcdutl/v3||\$B version"
	"source-controller|${SRCCTL_VERSION}|srcctl|github.com/fluxcd/source-controller||"
	"kustomize-controller|${KUSCTL_VERSION}|kusctl|github.com/fluxcd/kustomize-controller||"
	"versitygw|${VERSITYGW_VERSION}|versitygw|github.com/versity/versitygw/cmd/versitygw|-X main.Version=${VERSITYGW_VERSION}|\$B --version"
)

# key RECIPE: the binary's cache key.
key() {
	local name version wrapper pkg ldflags smoke digest
	IFS='|' read -r name version wrapper pkg ldflags smoke <<<"$1"
	digest="$(
		cd "${tools}/${wrapper}" &&
			{ cat go.mod go.sum tools.go; printf 'go build %s -ldflags=%q %s\n' "${goflags}" "-s -w ${ldflags}" "${pkg}"; } |
			sha256sum | cut -c1-12
	)"
	printf '%s-%s-%s\n' "${name}" "${version#v}" "${digest}"
}

# build RECIPE: go build -trimpath in the wrapper module, into a temporary
# sibling of the binary's directory, smoke-checked, then renamed into place.
# -mod=readonly: the committed go.mod/go.sum are complete, so the go command
# only downloads modules and never re-resolves versions.
build() {
	local name version wrapper pkg ldflags smoke k dest tmp start
	IFS='|' read -r name version wrapper pkg ldflags smoke <<<"$1"
	k="$(key "$1")"
	dest="${cache}/bin/${k}"
	if [[ -x "${dest}/${name}" ]]; then
		return 0
	fi
	if [[ -e "${dest}" ]]; then
		# Only this script creates the directory, and only by rename of a
		# complete build, so an incomplete one was tampered with.
		log "incomplete ${dest}; rebuilding"
		rm -rf "${dest}"
	fi
	mkdir -p "${cache}/bin"
	tmp="$(mktemp -d "${cache}/bin/.${k}.tmp.XXXXXX")"
	start=${SECONDS}
	log "building ${name} ${version} (${wrapper})"
	# shellcheck disable=SC2086 # goflags is a list of flags
	if ! (cd "${tools}/${wrapper}" && go build ${goflags} -ldflags="-s -w ${ldflags}" -o "${tmp}/${name}" "${pkg}"); then
		rm -rf "${tmp}"
		return 1
	fi
	if [[ -n "${smoke}" ]] && ! B="${tmp}/${name}" bash -c "${smoke}" 2>&1 | grep -F "${version#v}" >/dev/null; then
		log "${name}: \`${smoke}\` does not say ${version#v}"
		rm -rf "${tmp}"
		return 1
	fi
	chmod 0755 "${tmp}"
	if ! mv -T "${tmp}" "${dest}" 2>/dev/null; then
		# Another run finished first; its result is as good as ours.
		rm -rf "${tmp}"
		[[ -x "${dest}/${name}" ]] || { log "cannot move ${tmp} to ${dest}"; return 1; }
	fi
	log "built ${name} in $((SECONDS - start))s"
}

# --keys prints each binary's name and cache directory, and builds nothing
# (to adopt binaries built elsewhere: hard-link them into those directories).
if [[ "${1:-}" == "--keys" ]]; then
	for r in "${recipes[@]}"; do
		printf '%s %s\n' "${r%%|*}" "${cache}/bin/$(key "${r}")"
	done
	exit 0
fi

total=${SECONDS}
keys=()
for r in "${recipes[@]}"; do
	build "${r}"
	keys+=("$(key "${r}")")
done

# The one folder with every binary, linked from their own directories.
all="e2ebin-$(printf '%s\n' "${keys[@]}" | sha256sum | cut -c1-12)"
dest="${cache}/${all}"
complete() {
	local r
	[[ -d "${dest}" ]] || return 1
	for r in "${recipes[@]}"; do
		[[ -x "${dest}/${r%%|*}" ]] || return 1
	done
}
if ! complete; then
	rm -rf "${dest}"
	tmp="$(mktemp -d "${cache}/.${all}.tmp.XXXXXX")"
	trap 'rm -rf "${tmp}"' EXIT
	for r in "${recipes[@]}"; do
		name="${r%%|*}"
		ln "${cache}/bin/$(key "${r}")/${name}" "${tmp}/${name}" 2>/dev/null ||
			ln -s "${cache}/bin/$(key "${r}")/${name}" "${tmp}/${name}"
	done
	chmod 0755 "${tmp}"
	if ! mv -T "${tmp}" "${dest}" 2>/dev/null; then
		complete || { log "cannot move ${tmp} to ${dest}"; exit 1; }
	fi
	log "linked every binary into ${dest} ($((SECONDS - total))s)"
else
	log "cached: ${dest}"
fi
printf '%s\n' "${dest}"
