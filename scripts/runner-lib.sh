# Shared option parsing and helpers for run-bochs, run-qemu and run-kvm (sourced).
# Each runner boots an ESP image built by mkesp (or, for run-qemu --kernel, a Multiboot kernel),
# captures COM1 to --log, ends the emulator itself or after --timeout seconds, and exits with
#   0    the emulator ended by itself (read the verdict from the log)
#   124  the wall-clock timeout ended it
#   2    bad usage or missing files
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/env.sh"

runner=$(basename "$0")
opt_cpus=4 opt_mem=512 opt_timeout=300 opt_cmdline="" opt_efi="$top/build/apicvisor.efi"
opt_guest="" opt_log="" opt_quiet=0 opt_model="" opt_kernel="" opt_files=()
[ -f "$top/build/guest/guest.elf" ] && opt_guest="$top/build/guest/guest.elf"

die() { echo "$runner: $*" >&2; exit 2; }

runner_usage() {
    cat <<USAGE
usage: $runner [options]
  --cpus N        number of CPUs (default $opt_cpus)
  --mem MIB       memory in MiB (default $opt_mem)
  --model NAME    CPU model (default: $default_model)
  --timeout S     wall-clock limit in seconds (default $opt_timeout)
  --cmdline TEXT  apicvisor command line (written to EFI/BOOT/apicvisor.cmdline)
  --efi PATH      hypervisor image (default build/apicvisor.efi)
  --guest PATH    guest kernel placed on the ESP (default build/guest/guest.elf if built)
  --file SRC:DEST extra file for the ESP
  --log PATH      serial log (default build/logs/$runner.log)
  --quiet         do not echo the serial log while running
$runner_extra_usage
USAGE
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

runner_parse() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --cpus) is_uint "${2:-}" && [ "$2" -ge 1 ] || die "option '--cpus' needs a number >= 1, got '${2:-}'"; opt_cpus=$2; shift 2 ;;
            --mem) is_uint "${2:-}" && [ "$2" -ge 64 ] || die "option '--mem' needs a number of MiB >= 64, got '${2:-}'"; opt_mem=$2; shift 2 ;;
            --timeout) is_uint "${2:-}" && [ "$2" -ge 1 ] || die "option '--timeout' needs seconds >= 1, got '${2:-}'"; opt_timeout=$2; shift 2 ;;
            --model) [ -n "${2:-}" ] || die "option '--model' needs a value"; opt_model=$2; shift 2 ;;
            --cmdline) [ $# -ge 2 ] || die "option '--cmdline' needs a value"; opt_cmdline=$2; shift 2 ;;
            --efi) [ -n "${2:-}" ] || die "option '--efi' needs a path"; opt_efi=$2; shift 2 ;;
            --guest) [ $# -ge 2 ] || die "option '--guest' needs a path"; opt_guest=$2; shift 2 ;;
            --file) [ -n "${2:-}" ] || die "option '--file' needs SRC:DEST"; opt_files+=(--file "$2"); shift 2 ;;
            --kernel) [ -n "${2:-}" ] || die "option '--kernel' needs a path"; opt_kernel=$2; shift 2 ;;
            --log) [ -n "${2:-}" ] || die "option '--log' needs a path"; opt_log=$2; shift 2 ;;
            --quiet) opt_quiet=1; shift ;;
            -h|--help) runner_usage; exit 0 ;;
            *) die "unknown option '$1' (see --help)" ;;
        esac
    done
    [ -n "$opt_model" ] || opt_model=$default_model
    [ -n "$opt_log" ] || opt_log="$top/build/logs/$runner.log"
    mkdir -p "$(dirname "$opt_log")"
    opt_log=$(cd "$(dirname "$opt_log")" && pwd)/$(basename "$opt_log")
}

# make_esp IMG: the ESP for this run.
make_esp() {
    local guest_args=()
    [ -z "$opt_guest" ] || guest_args=(--guest "$opt_guest")
    "$here/mkesp" "$1" "$opt_efi" --cmdline "$opt_cmdline" "${guest_args[@]}" "${opt_files[@]}"
}

# make_fallback_disk IMG: a second boot disk whose loader powers off (tests/support/poweroff.c),
# so that a run where apicvisor returns to the firmware ends instead of waiting in a boot menu.
make_fallback_disk() {
    [ -f "$top/build/poweroff.efi" ] || die "no build/poweroff.efi (run make efi first)"
    "$here/mkesp" "$1" "$top/build/poweroff.efi"
}

# run_emulator SERIAL-FILE OUTPUT-FILE CMD...: runs CMD under the timeout with its own output in
# OUTPUT-FILE, streaming SERIAL-FILE to stdout unless --quiet.  Returns 124 on timeout, else 0
# (LAST_EMULATOR_STATUS holds the emulator's exit status).
run_emulator() {
    local serial=$1 output=$2; shift 2
    : > "$serial"
    timeout --foreground -k 5 "$opt_timeout" "$@" > "$output" 2>&1 &
    local pid=$! rc=0
    if [ $opt_quiet = 0 ]; then
        tail -n +1 -F --pid=$pid "$serial" 2>/dev/null &
    fi
    wait $pid || rc=$?
    [ $opt_quiet = 1 ] || { sleep 0.3; kill %2 2>/dev/null || true; wait 2>/dev/null || true; }
    if [ $rc = 124 ] || [ $rc = 137 ]; then
        echo "$runner: timed out after ${opt_timeout}s" >&2
        return 124
    fi
    LAST_EMULATOR_STATUS=$rc
    return 0
}
