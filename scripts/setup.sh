#!/usr/bin/env bash
# Installs everything apicvisor needs on a fresh Debian 12 (bookworm) x86-64 machine.
# Idempotent: each step checks first and is skipped when already done.
#
#   scripts/setup.sh            install what is missing
#   scripts/setup.sh --check    exit 0 when nothing is missing, 1 otherwise (installs nothing)
#
# The Bochs 3.1 + OVMF root (Debian sid, needs glibc >= 2.38) lives outside the checkout in
# $APICVISOR_CACHE (default ~/.cache/apicvisor) and is reused across clones.  Where ../shared/bochs
# is beside the checkout, a Bochs built from it (IDIV r/m64 right) joins Debian's in that root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

BOOKWORM_PKGS=(gcc make nasm gnu-efi binutils mtools dosfstools ovmf debootstrap libcmocka-dev pkg-config coreutils clang libclang-rt-14-dev)
SID_PKGS=(bochs bochsbios vgabios bochs-term ovmf)
MIN_QEMU_MAJOR=10

step() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" = 0 ] || die "must run as root to install packages (try: sudo $0)"
}

apt_updated=0
apt_update_once() {
    if [ $apt_updated = 0 ]; then
        step "apt-get update"
        apt-get update -q >/dev/null || die "apt-get update failed"
        apt_updated=1
    fi
}

missing_debs() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

qemu_major() {
    command -v qemu-system-x86_64 >/dev/null || { echo 0; return; }
    qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'
}

debian_mirror() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ' | sed 's:/*$::' || true
}

bochs_ready() { [ -f "$BOCHS_ROOT/.apicvisor-ready" ] && [ -x "$BOCHS_ROOT/usr/bin/bochs-bin" ]; }

# What a build of $BOCHS_SRC is made of: a new snapshot or a changed build.sh rebuilds.
bochs_src_id() {
    local t=("$BOCHS_SRC"/bochs-*.tar.xz)
    [ -f "${t[0]}" ] && [ -f "$BOCHS_SRC/build.sh" ] || return 1
    echo "$(basename "${t[0]}") sha256=$(sha256sum < "${t[0]}" | cut -d' ' -f1) build.sh=$(sha256sum < "$BOCHS_SRC/build.sh" | cut -d' ' -f1)"
}

bochs_built() {
    [ -x "$BOCHS_ROOT/usr/local/bin/bochs-bin" ] && [ -f "$BOCHS_BUILT_STAMP" ] \
        && [ "$(cut -d' ' -f1-3 "$BOCHS_BUILT_STAMP")" = "$(bochs_src_id)" ]
}

check_only() {
    local ok=0
    [ -z "$(missing_debs "${BOOKWORM_PKGS[@]}" qemu-system-x86)" ] || { echo "missing bookworm packages: $(missing_debs "${BOOKWORM_PKGS[@]}" qemu-system-x86 | tr '\n' ' ')"; ok=1; }
    [ "$(qemu_major)" -ge $MIN_QEMU_MAJOR ] || { echo "QEMU older than $MIN_QEMU_MAJOR (need bookworm-backports)"; ok=1; }
    bochs_ready || { echo "Bochs 3.1 root missing at $BOCHS_ROOT"; ok=1; }
    [ ! -f "$BOCHS_SRC/build.sh" ] || bochs_built || { echo "Bochs from $BOCHS_SRC not built in $BOCHS_ROOT"; ok=1; }
    [ ! -f "$BOCHS_SRC/build.sh" ] || fixed_built || { echo "Bochs with scripts/bochs-fixes not built in $BOCHS_ROOT"; ok=1; }
    return $ok
}

install_bookworm_packages() {
    local missing
    missing=$(missing_debs "${BOOKWORM_PKGS[@]}")
    if [ -z "$missing" ]; then step "bookworm packages: present"; return; fi
    need_root; apt_update_once
    step "installing: $(echo $missing)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
        || die "apt-get install failed for: $(echo $missing)"
}

# QEMU 10 (bookworm-backports) is the first with x2APIC under TCG; the guest's x2APIC tests need it.
install_qemu_backports() {
    if [ "$(qemu_major)" -ge $MIN_QEMU_MAJOR ]; then step "QEMU $(qemu_major): present"; return; fi
    need_root
    local mirror list=/etc/apt/sources.list.d/apicvisor-backports.list
    mirror=$(debian_mirror); [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt/sources.list*"
    if [ ! -f $list ]; then
        step "adding bookworm-backports from $mirror"
        echo "deb $mirror bookworm-backports main" > $list
        apt_updated=0
    fi
    apt_update_once
    step "installing qemu-system-x86 from bookworm-backports"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports \
        qemu-system-x86 ovmf >/dev/null || die "could not install qemu-system-x86 from bookworm-backports"
    [ "$(qemu_major)" -ge $MIN_QEMU_MAJOR ] || die "bookworm-backports gave QEMU $(qemu_major), need >= $MIN_QEMU_MAJOR"
}

# Bochs 3.1 needs glibc >= 2.38, so it gets its own Debian sid root (PLATFORM.md).
install_bochs_root() {
    if bochs_ready; then step "Bochs root: present at $BOCHS_ROOT"; return; fi
    need_root
    local mirror tmp="$BOCHS_ROOT.partial"
    mirror=$(debian_mirror); [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt/sources.list*"
    rm -rf "$tmp"; mkdir -p "$(dirname "$BOCHS_ROOT")"
    step "debootstrap sid into $tmp (about a minute)"
    debootstrap --variant=minbase sid "$tmp" "$mirror" > "$APICVISOR_CACHE/debootstrap.log" 2>&1 \
        || die "debootstrap failed; see $APICVISOR_CACHE/debootstrap.log"
    step "installing ${SID_PKGS[*]} in the sid root"
    # Installing during debootstrap (--include) fails on dconf-service; inside the chroot it works.
    chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${SID_PKGS[@]}" > "$APICVISOR_CACHE/sid-apt.log" 2>&1 \
        || die "installing Bochs in the sid root failed; see $APICVISOR_CACHE/sid-apt.log"
    chroot "$tmp" apt-get clean
    # One 4 MiB flash image (VARS then CODE) loaded at 0xffc00000 with fw_cfg (PLATFORM.md).
    mkdir -p "$tmp/opt/apicvisor"
    cat "$tmp/usr/share/OVMF/OVMF_VARS_4M.fd" "$tmp/usr/share/OVMF/OVMF_CODE_4M.fd" > "$tmp/opt/apicvisor/OVMF-4M.fd"
    [ "$(stat -c %s "$tmp/opt/apicvisor/OVMF-4M.fd")" = 4194304 ] || die "OVMF image is not 4 MiB"
    chroot "$tmp" bochs-bin --help 2>&1 | grep -q 'Bochs x86 Emulator 3\.1' \
        || die "the sid root's bochs is not Bochs 3.1: $(chroot "$tmp" bochs-bin --help 2>&1 | head -n 3 | tr '\n' ' ')"
    touch "$tmp/.apicvisor-ready"
    mv "$tmp" "$BOCHS_ROOT"
    step "Bochs root ready"
}

sid_apt() { chroot "$BOCHS_ROOT" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

# Debian's bochs-bin computes IDIV r/m64 wrongly (GCC 15 strict aliasing, ../shared/bochs/README.md):
# build the snapshot in $BOCHS_SRC with -fno-strict-aliasing into /usr/local/bin of the root, which
# the runners then prefer.  Without that folder Debian's binary stays the one that runs.
build_bochs() {
    if [ ! -f "$BOCHS_SRC/build.sh" ]; then
        step "no Bochs source at $BOCHS_SRC: runs use Debian's bochs-bin (IDIV r/m64 known wrong)"
        return
    fi
    if bochs_built; then step "Bochs built from $BOCHS_SRC: present"; return; fi
    need_root
    local id log="$APICVISOR_CACHE/bochs-build.log" flags models
    id=$(bochs_src_id) || die "no bochs-*.tar.xz beside $BOCHS_SRC/build.sh"
    : > "$log"
    if ! chroot "$BOCHS_ROOT" sh -c 'command -v g++ && command -v make' >/dev/null; then
        step "installing g++ make in the sid root"
        # The lists debootstrap fetched may be stale by now, and the sid mirror's Release file is
        # expired (PLATFORM.md): refresh them without the date check only when installing fails.
        sid_apt install -y -q --no-install-recommends g++ make >> "$log" 2>&1 \
            || { sid_apt -o Acquire::Check-Valid-Until=false update -q >> "$log" 2>&1 \
                 && sid_apt install -y -q --no-install-recommends g++ make >> "$log" 2>&1; } \
            || die "installing g++ and make in the sid root failed; see $log"
        sid_apt clean
    fi
    step "building Bochs from $BOCHS_SRC in the sid root (a few minutes; log $log)"
    rm -f "$BOCHS_BUILT_STAMP"
    "$BOCHS_SRC/build.sh" "$BOCHS_ROOT" >> "$log" 2>&1 \
        || die "building Bochs failed; see $log and $BOCHS_ROOT/usr/src/${id%%.tar.xz*}/{configure,make}.log"
    # Record the flags the build really used: the runners name them, and the fix depends on them.
    flags=$(sed -n 's/^CXXFLAGS *= *//p' "$BOCHS_ROOT/usr/src/${id%%.tar.xz*}/Makefile" | head -n 1)
    [[ " $flags " == *" -fno-strict-aliasing "* ]] || die "the Bochs build did not use -fno-strict-aliasing (CXXFLAGS: $flags)"
    models=$(chroot "$BOCHS_ROOT" /usr/local/bin/bochs-bin --help cpu 2>&1) || true
    grep -qx tigerlake <<<"$models" || die "the built bochs-bin does not run: $(tail -n 3 <<<"$models" | tr '\n' ' ')"
    echo "$id cxxflags=$flags" > "$BOCHS_BUILT_STAMP"
    step "Bochs built: $BOCHS_ROOT/usr/local/bin/bochs-bin"
}

# The second binary: the same build with scripts/bochs-fixes/*.patch, each a Bochs 3.1 bug that
# breaks an SDM rule apicvisor relies on (docs/design.md, platform deviations); tests 47 and 49 use
# it.  Only event.cc recompiles.
FIXED_BIN=/usr/local/bin/bochs-fixed
fixed_id() { echo "$(bochs_src_id) patches=$(cat "$here"/bochs-fixes/*.patch | sha256sum | cut -d' ' -f1)"; }
fixed_built() {
    [ -x "$BOCHS_ROOT$FIXED_BIN" ] && [ "$(cat "$BOCHS_ROOT$FIXED_BIN.id" 2>/dev/null)" = "$(fixed_id)" ]
}
build_bochs_fixed() {
    [ -f "$BOCHS_SRC/build.sh" ] || return 0
    if fixed_built; then step "Bochs with scripts/bochs-fixes: present"; return; fi
    need_root
    local id src dst patch log="$APICVISOR_CACHE/bochs-build.log"
    id=$(bochs_src_id)
    src=/usr/src/${id%%.tar.xz*} dst=/usr/src/${id%%.tar.xz*}-fixed
    if [ ! -f "$BOCHS_ROOT$src/Makefile" ]; then # the configured tree build.sh left is gone
        rm -f "$BOCHS_BUILT_STAMP"
        build_bochs
    fi
    step "building Bochs with scripts/bochs-fixes/*.patch (log $log)"
    rm -rf "$BOCHS_ROOT$dst"
    cp -a "$BOCHS_ROOT$src" "$BOCHS_ROOT$dst"
    for patch in "$here"/bochs-fixes/*.patch; do
        # git apply outside a repository patches like patch(1), which a fresh machine may lack.
        (cd "$BOCHS_ROOT$dst" && git apply -p1 "$patch") >> "$log" 2>&1 ||
            die "scripts/bochs-fixes/$(basename "$patch") does not apply to $id; see $log"
    done
    chroot "$BOCHS_ROOT" sh -c "cd $dst && make -j\$(nproc) && install -m 0755 bochs $FIXED_BIN" >> "$log" 2>&1 \
        || die "building Bochs with scripts/bochs-fixes failed; see $log"
    rm -rf "$BOCHS_ROOT$dst" "$BOCHS_ROOT/usr/local/bin/bochs-hlt-wake"* # the one-fix binary it replaces
    fixed_id > "$BOCHS_ROOT$FIXED_BIN.id"
}

case "${1:-}" in
    --check) check_only; exit $? ;;
    "") ;;
    *) die "unknown option '$1' (expected --check or nothing)" ;;
esac

install_bookworm_packages
install_qemu_backports
install_bochs_root
build_bochs
build_bochs_fixed
step "done"
