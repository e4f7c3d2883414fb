# Shared paths for the setup script and the runners (sourced, not run).
APICVISOR_CACHE=${APICVISOR_CACHE:-${HOME:-/root}/.cache/apicvisor}
BOCHS_ROOT=${BOCHS_ROOT:-$APICVISOR_CACHE/bochs-sid-root}
mkdir -p "$APICVISOR_CACHE"
