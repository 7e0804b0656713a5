#!/usr/bin/env bash
# e2e-tools.sh builds the real Kubernetes and Flux binaries that the e2e tier
# (test/e2e) runs: kube-apiserver, etcd, source-controller and
# kustomize-controller, each from its wrapper module under test/e2e/tools/.
#
# The binaries go into a cache directory keyed by the version set:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/fleetc/k8sbin-k<kas>-e<etcd>-sc<src>-kc<kus>-<digest>
#
# where <digest> is the first 12 hex digits of the sha256 of this script and
# of every wrapper module file (go.mod, go.sum, tools.go): anything that can
# change the binaries changes the key.
#
# They are built only when that directory is missing. A build writes into a
# temporary sibling directory and renames it into place at the very end, so an
# interrupted build never leaves a directory that a later run would trust.
#
# The last line on stdout is the directory; everything else goes to stderr.
# Usage: FLEETC_E2E_BIN="$(bash hack/e2e-tools.sh | tail -n1)"
set -euo pipefail

export GOTOOLCHAIN=local

# Keep these in step with the wrapper modules' go.mod files.
KAS_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
SRCCTL_VERSION=v1.9.6
KUSCTL_VERSION=v1.9.6

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${root}/test/e2e/tools"
cache="${XDG_CACHE_HOME:-${HOME}/.cache}/fleetc"
digest="$(cd "${root}" && cat hack/e2e-tools.sh test/e2e/tools/*/go.mod test/e2e/tools/*/go.sum test/e2e/tools/*/tools.go | sha256sum | cut -c1-12)"
key="k8sbin-k${KAS_VERSION#v}-e${ETCD_VERSION#v}-sc${SRCCTL_VERSION#v}-kc${KUSCTL_VERSION#v}-${digest}"
dest="${cache}/${key}"
bins=(kube-apiserver kube-controller-manager kube-scheduler etcd source-controller kustomize-controller)

log() { printf 'e2e-tools: %s\n' "$*" >&2; }

complete() {
	local b
	[[ -d "$1" ]] || return 1
	for b in "${bins[@]}"; do
		[[ -x "$1/$b" ]] || return 1
	done
}

if complete "${dest}"; then
	log "cached: ${dest}"
	printf '%s\n' "${dest}"
	exit 0
fi
if [[ -e "${dest}" ]]; then
	# Only this script creates the directory, and only by rename of a complete
	# build, so an incomplete one was tampered with: do not trust it.
	log "incomplete ${dest}; rebuilding"
	rm -rf "${dest}"
fi

mkdir -p "${cache}"
tmp="$(mktemp -d "${cache}/.${key}.tmp.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT

# build NAME WRAPPER PKG [LDFLAGS...]: go build -trimpath in the wrapper
# module. -mod=readonly: the committed go.mod/go.sum are complete, so the go
# command only downloads modules and never re-resolves versions.
build() {
	local name="$1" wrapper="$2" pkg="$3" ldflags="$4" start
	start=${SECONDS}
	log "building ${name} (${wrapper})"
	(cd "${tools}/${wrapper}" &&
		go build -mod=readonly -trimpath -ldflags="-s -w ${ldflags}" -o "${tmp}/${name}" "${pkg}")
	log "built ${name} in $((SECONDS - start))s"
}

total=${SECONDS}
# Order matters: later builds reuse packages compiled for earlier ones, and on
# two cores building them in parallel does not help.
kminor="${KAS_VERSION#v1.}"
kminor="${kminor%%.*}"
kver="-X k8s.io/component-base/version.gitVersion=${KAS_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${kminor}"
build kube-apiserver kas k8s.io/kubernetes/cmd/kube-apiserver "${kver}"
build kube-controller-manager kas k8s.io/kubernetes/cmd/kube-controller-manager "${kver}"
build kube-scheduler kas k8s.io/kubernetes/cmd/kube-scheduler "${kver}"
build etcd etcd go.etcd.io/etcd/server/v3 ""
build source-controller srcctl github.com/fluxcd/source-controller ""
build kustomize-controller kusctl github.com/fluxcd/kustomize-controller ""

# Smoke checks before trusting the build.
"${tmp}/kube-apiserver" --version | grep -qF "Kubernetes ${KAS_VERSION}" ||
	{ log "kube-apiserver --version does not say ${KAS_VERSION}"; exit 1; }
for b in kube-controller-manager kube-scheduler; do
	"${tmp}/${b}" --version | grep -qF "Kubernetes ${KAS_VERSION}" ||
		{ log "${b} --version does not say ${KAS_VERSION}"; exit 1; }
done
"${tmp}/etcd" --version | grep -qF "etcd Version: ${ETCD_VERSION#v}" ||
	{ log "etcd --version does not say ${ETCD_VERSION#v}"; exit 1; }

chmod 0755 "${tmp}"
if ! mv -T "${tmp}" "${dest}" 2>/dev/null; then
	# Another run finished first; its result is as good as ours.
	complete "${dest}" || { log "cannot move ${tmp} to ${dest}"; exit 1; }
	log "another run built ${dest} first"
fi
log "built all in $((SECONDS - total))s"
printf '%s\n' "${dest}"
