#!/usr/bin/env bash
# Builds the Linux guest from Debian packages: Debian 12's cloud kernel and an initramfs with a
# static busybox, /init (tests/guests/linux/init) and the static helpers ipi_load and exit_code
# (tests/guests/linux/*.c).
#
#   scripts/linux-guest.sh [--verbose] [OUTDIR]   fetch what is missing, build OUTDIR/bzImage and
#                                                 OUTDIR/initramfs.cpio.gz (default build/linux)
#   scripts/linux-guest.sh --check [OUTDIR]       exit 0 when the outputs exist and are current
#
# The packages (linux-image-cloud-amd64's real linux-image-*-cloud-amd64, busybox-static, the
# candidate versions apt knows) are fetched with `apt-get download` (no install into the host) and
# unpacked with dpkg-deb -x into $APICVISOR_CACHE/linux (default ~/.cache/apicvisor/linux), where
# they are reused.  OUTDIR/linux-guest.stamp records what the outputs were built from; a run that
# finds it current does nothing.  APICVISOR_LINUX_META picks another kernel metapackage.
# Exit status: 0 done (or current), 1 not current (--check) or failed, 2 bad usage,
# 3 apt cannot resolve or fetch a package (no network, no package lists).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/env.sh"
me=linux-guest
src="$top/tests/guests/linux"
cache="$APICVISOR_CACHE/linux"
meta=${APICVISOR_LINUX_META:-linux-image-cloud-amd64}

die() { echo "$me: error: $*" >&2; exit 1; }
die_apt() { echo "$me: error: $*" >&2; exit 3; }
usage() { sed -n '2,17s/^# \{0,1\}//p' "$0"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

check=0 verbose=0 out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=1 ;;
        -v|--verbose) verbose=1 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "$me: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *) [ -z "$out" ] || { echo "$me: only one OUTDIR, got '$out' and '$1'" >&2; exit 2; }; out=$1 ;;
    esac
    shift
done
out=${out:-$top/build/linux}
say() { echo "$me: $*"; }
info() { [ $verbose = 0 ] || echo "$me: $*"; }

for tool in apt-cache apt-get dpkg-deb gzip sha256sum flock; do
    command -v "$tool" >/dev/null || die "'$tool' not found (this script needs a Debian host with apt and dpkg)"
done
for f in init ipi_load.c exit_code.c; do
    [ -f "$src/$f" ] || die "missing $src/$f"
done

# ---- what apt would fetch now ------------------------------------------------------------------
# This host's apt keeps no binary cache (docker-clean), so each apt-cache call would parse every
# list again (about 1.3 s): keep one in our cache folder; apt rebuilds it when the lists change.
mkdir -p "$cache/apt"
apt_opts=(-o "Dir::Cache::pkgcache=$cache/apt/pkgcache.bin" -o "Dir::Cache::srcpkgcache=")
candidate() { # candidate PKG: the version apt would pick, empty if none
    apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null | sed -n 's/^  Candidate: //p' | grep -v '^(none)$' || true
}
t0=$(now)
mver=$(candidate "$meta")
[ -n "$mver" ] || die_apt "apt has no installable version of $meta (run apt-get update?)"
# The real kernel package: the linux-image-* dependency of the metapackage's candidate version
# (showpkg answers from the binary cache; `apt-cache depends` rereads the lists, 0.4 s).
kpkg=$(apt-cache "${apt_opts[@]}" showpkg "$meta" 2>/dev/null | awk -v v="$mver" '
    /^Dependencies:/ { d = 1; next }  /^[A-Za-z]+:/ { d = 0 }
    d && $1 == v && $2 == "-" { for (i = 3; i <= NF; i++) if ($i ~ /^linux-image-.*[0-9]/ && $i !~ /-dbg$/) { print $i; exit } }')
[ -n "$kpkg" ] || die_apt "cannot find the linux-image-* package that $meta $mver depends on"
kver=$(candidate "$kpkg")
[ -n "$kver" ] || die_apt "apt has no installable version of $kpkg (run apt-get update?)"
bpkg="busybox-static"
bver=$(candidate $bpkg)
[ -n "$bver" ] || die_apt "apt has no installable version of $bpkg (run apt-get update?)"
krel=${kpkg#linux-image-}
kdir="$cache/${kpkg}_${kver//:/%3a}"
bdir="$cache/${bpkg}_${bver//:/%3a}"
info "resolved $meta $mver -> $kpkg $kver, $bpkg $bver ($(since "$t0") s)"

sha() { sha256sum < "$1" | cut -c1-16; }
stamp_text() {
    echo "kernel $kpkg $kver"
    echo "busybox $bpkg $bver"
    echo "gcc $(gcc -dumpfullversion 2>/dev/null || echo none)"
    local f
    for f in "$src/init" "$src/ipi_load.c" "$src/exit_code.c" "$0"; do echo "$(basename "$f") $(sha "$f")"; done
}
stamp="$out/linux-guest.stamp"
current() {
    [ -f "$out/bzImage" ] && [ -f "$out/initramfs.cpio.gz" ] && [ -f "$stamp" ] \
        && [ "$(cat "$stamp")" = "$(stamp_text)" ]
}

if [ $check = 1 ]; then
    if current; then exit 0; fi
    if [ ! -f "$stamp" ]; then echo "$me: $out is not built" >&2
    else echo "$me: $out is out of date:" >&2; diff <(cat "$stamp") <(stamp_text) | sed -n 's/^> /  now: /p' >&2 || true
    fi
    exit 1
fi
if current; then info "$out is current"; exit 0; fi

command -v gcc >/dev/null || die "gcc not found (apt-get install gcc libc6-dev)"
mkdir -p "$out"
exec 9> "$cache/.lock"
flock 9

# ---- fetch and unpack --------------------------------------------------------------------------
fetch() { # fetch PKG VERSION DIR
    local pkg=$1 ver=$2 dir=$3 tmp t
    [ ! -f "$dir/.unpacked" ] || return 0
    rm -rf "$dir"
    t=$(now)
    tmp=$(mktemp -d)
    # apt-get download runs as the current user; as root it cannot hand the folder to _apt.
    if ! (cd "$tmp" && apt-get download -q "${apt_opts[@]}" -o APT::Sandbox::User="$(id -un)" "$pkg=$ver") > "$tmp/apt.log" 2>&1; then
        sed 's/^/  /' "$tmp/apt.log" >&2
        rm -rf "$tmp"
        die_apt "apt-get download $pkg=$ver failed (no network or no mirror?)"
    fi
    rm -rf "$dir.partial"
    dpkg-deb -x "$tmp"/*.deb "$dir.partial" || { rm -rf "$tmp" "$dir.partial"; die "dpkg-deb -x of $pkg failed"; }
    touch "$dir.partial/.unpacked"
    mv "$dir.partial" "$dir"
    say "fetched $pkg $ver ($(du -k "$tmp"/*.deb | cut -f1) KiB) into ${dir/#$HOME/\~} in $(since "$t") s"
    rm -rf "$tmp"
}
fetch "$kpkg" "$kver" "$kdir"
fetch "$bpkg" "$bver" "$bdir"
vmlinuz="$kdir/boot/vmlinuz-$krel"
msr="$kdir/lib/modules/$krel/kernel/arch/x86/kernel/msr.ko"
busybox="$bdir/bin/busybox"
[ -f "$vmlinuz" ] || die "$kpkg has no /boot/vmlinuz-$krel"
[ -x "$busybox" ] || die "$bpkg has no /bin/busybox"

# ---- build -------------------------------------------------------------------------------------
t=$(now)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/root"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
for h in ipi_load exit_code; do
    gcc -static -O2 -Wall -Wextra -pthread -o "$stage/bin/$h" "$src/$h.c" 2> "$work/gcc.log" || {
        cat "$work/gcc.log" >&2
        grep -q 'cannot find -lc' "$work/gcc.log" && die "gcc cannot link statically: no static libc.a (apt-get install libc6-dev)"
        die "compiling $src/$h.c failed"
    }
done
info "compiled ipi_load, exit_code (gcc -static) in $(since "$t") s"

t=$(now)
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
install -m 0755 "$src/init" "$stage/init"
if [ -f "$msr" ]; then cp "$msr" "$stage/lib/modules/msr.ko"; else say "warning: no msr.ko in $kpkg: /init cannot read IA32_APIC_BASE"; fi
# Stable archive contents: fixed times, sorted names, root-owned, no gzip name or time.
find "$stage" -exec touch -h -d @0 {} +
if command -v cpio >/dev/null; then cpio=(cpio --quiet); else cpio=("$busybox" cpio); fi
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "${cpio[@]}" -o -H newc -R 0:0) > "$work/initramfs.cpio" 2> "$work/cpio.log" \
    || { cat "$work/cpio.log" >&2; die "${cpio[*]} -o -H newc failed"; }
gzip -n -9 < "$work/initramfs.cpio" > "$out/initramfs.cpio.gz.tmp"
cp "$vmlinuz" "$out/bzImage.tmp"
mv "$out/bzImage.tmp" "$out/bzImage"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
stamp_text > "$stamp"
say "built ${out#"$top"/}: bzImage ($kpkg $kver), initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB, $bpkg $bver) in $(since "$t") s"
