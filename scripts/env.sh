# Shared paths for the setup script and the runners (sourced, not run).
APICVISOR_CACHE=${APICVISOR_CACHE:-${HOME:-/root}/.cache/apicvisor}
BOCHS_ROOT=${BOCHS_ROOT:-$APICVISOR_CACHE/bochs-sid-root}
# Bochs source beside the checkout (CI and developer machines have ../shared/bochs): Debian's
# binary computes IDIV r/m64 wrongly, this one is built with the fix (docs/usage.md).
BOCHS_SRC=${BOCHS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/bochs}
# Written by setup.sh after a build: "TARBALL sha256=... build.sh=SHA256 cxxflags=...".
BOCHS_BUILT_STAMP="$BOCHS_ROOT/.apicvisor-bochs-built"
mkdir -p "$APICVISOR_CACHE"
