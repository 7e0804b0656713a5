#!/usr/bin/env bash
# e2e-deps.sh installs the Debian packages the e2e tier needs and that are
# not Go modules, when they are missing: git (git http-backend serves the
# rendered tree to Flux), iproute2 (`ip`: the boot tier's pod network
# namespaces) and util-linux (`unshare`, `setpriv`: the boot tier's mount
# namespaces and users). The boot tier needs root; so does apt-get.
set -euo pipefail
need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
{ command -v unshare && command -v setpriv; } >/dev/null 2>&1 || need+=(util-linux)
if ((${#need[@]})); then
	echo "e2e-deps: installing ${need[*]}" >&2
	apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
