#!/bin/bash
# Builds the pmacct-rs .deb and checks it is a drop-in for Debian's pmacct 1.7.7 package.
#
#   compat-tests/packaging/test-deb.sh            build + inspect (any user)
#   PMACCT_RS_DEB_INSTALL_TEST=chroot compat-tests/packaging/test-deb.sh
#                                                  also, as root: in a throwaway Debian 12
#                                                  root (compat-tests/packaging/chroot.sh),
#                                                  apt install pmacct, apt install the .deb
#                                                  over it, check the swap, then apt install
#                                                  pmacct to put the C package back.
#   PMACCT_RS_DEB_INSTALL_TEST=host ...            the same swap on this machine (root, a
#                                                  disposable machine with Debian's pmacct).
#
# Needs cargo-deb (cargo install cargo-deb --locked) and dpkg-deb; the chroot mode needs
# debootstrap. Exits non-zero on the first failed check. PMACCT_RS_DEB=path skips the build
# and tests that .deb. PMACCT_RS_DEB_PROFILE=dev PMACCT_RS_DEB_NO_BUILD=1 packages the
# binaries a `cargo build`/`cargo test` already made (target/debug) instead of building the
# release profile: same recipe, unoptimized binaries (what the cargo test wrapper does).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DAEMONS="nfacctd sfacctd pmacctd uacctd"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# --- build -----------------------------------------------------------------------------
VERSION=$(cargo metadata --no-deps --format-version 1 |
    python3 -c 'import json,sys; print([p for p in json.load(sys.stdin)["packages"] if p["name"]=="pmacct-bin"][0]["version"])')
if [ -n "${PMACCT_RS_DEB:-}" ]; then
    DEB=$PMACCT_RS_DEB
else
    # cargo deb prints the paths it wrote: the .deb and the -dbgsym .ddeb.
    DEB_ARGS=(-p pmacct-bin)
    PROFILE=${PMACCT_RS_DEB_PROFILE:-release}
    # Unoptimized binaries carry hundreds of MB of debug info: no -dbgsym package and fast
    # compression for them (xz of the .ddeb took 3 minutes), the package itself unchanged.
    [ "$PROFILE" = release ] || DEB_ARGS+=(--profile "$PROFILE" --no-dbgsym --fast)
    [ "${PMACCT_RS_DEB_NO_BUILD:-0}" = 1 ] && DEB_ARGS+=(--no-build)
    t=$SECONDS
    DEB=$(cargo deb "${DEB_ARGS[@]}" | grep -E '/pmacct-rs_[^/]*\.deb$' | tail -n 1)
    echo "cargo deb ${DEB_ARGS[*]}: $((SECONDS - t)) s"
fi
[ -f "$DEB" ] || fail "no .deb at '$DEB'"
[ "$(basename "$DEB")" = "pmacct-rs_${VERSION}_amd64.deb" ] ||
    fail "file name $(basename "$DEB"), want pmacct-rs_${VERSION}_amd64.deb"
ok "built $DEB"

# Binaries the package is meant to carry: the [[bin]] targets of bin/Cargo.toml.
BINS=$(sed -n '/^\[\[bin\]\]/,/^name/ s/^name *= *"\(.*\)"/\1/p' bin/Cargo.toml)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dpkg-deb -x "$DEB" "$WORK/root"
dpkg-deb -e "$DEB" "$WORK/control"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's#^\./#/#; s#/$##' >"$WORK/files"

# --- control fields --------------------------------------------------------------------
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = pmacct-rs ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION" ] || fail "Version: $(field Version), want $VERSION"
[ "$(field Architecture)" = amd64 ] || fail "Architecture: $(field Architecture)"
for f in Conflicts Replaces Provides; do
    grep -qx ' *pmacct *' < <(field "$f" | tr ',' '\n') || fail "$f lacks pmacct: '$(field "$f")'"
done
grep -q 'libpcap0.8' <<<"$(field Depends)" || fail "Depends lacks libpcap: $(field Depends)"
grep -q 'libc6' <<<"$(field Depends)" || fail "Depends lacks the computed libc6: $(field Depends)"
ok "control: $(field Package) $(field Version); Depends: $(field Depends); Conflicts/Replaces/Provides: pmacct"

# --- files -----------------------------------------------------------------------------
has() { grep -qx "$1" "$WORK/files"; }
for d in $DAEMONS; do
    if grep -qx "$d" <<<"$BINS"; then
        for p in /usr/sbin/$d /lib/systemd/system/$d.service /etc/default/$d /etc/pmacct/$d.conf /usr/share/man/man8/$d.8.gz; do
            has "$p" || fail "missing $p"
        done
        [ -x "$WORK/root/usr/sbin/$d" ] || fail "/usr/sbin/$d not executable"
        ok "$d: binary, unit, /etc/default/$d, /etc/pmacct/$d.conf, man page"
    else
        # Only what exists: no unit or config for a daemon we do not build yet.
        for p in /usr/sbin/$d /lib/systemd/system/$d.service /etc/default/$d /etc/pmacct/$d.conf /usr/share/man/man8/$d.8.gz; do
            has "$p" && fail "$p shipped but $d is not a [[bin]] of bin/Cargo.toml"
        done
    fi
done
# pmbgpd: Debian's pmacct ships the binary alone (no unit, default file or config); ours adds
# its man page.
if grep -qx pmbgpd <<<"$BINS"; then
    has /usr/sbin/pmbgpd || fail "missing /usr/sbin/pmbgpd"
    [ -x "$WORK/root/usr/sbin/pmbgpd" ] || fail "/usr/sbin/pmbgpd not executable"
    has /usr/share/man/man8/pmbgpd.8.gz || fail "missing pmbgpd(8)"
    ok "pmbgpd: binary, man page"
fi
# pmbmpd: Debian's pmacct ships the binary alone (no unit, default file, config or man page).
if grep -qx pmbmpd <<<"$BINS"; then
    has /usr/sbin/pmbmpd || fail "missing /usr/sbin/pmbmpd"
    [ -x "$WORK/root/usr/sbin/pmbmpd" ] || fail "/usr/sbin/pmbmpd not executable"
    ok "pmbmpd: binary"
fi
if grep -qx pmacct <<<"$BINS"; then
    has /usr/bin/pmacct || fail "missing /usr/bin/pmacct"
    has /usr/share/man/man1/pmacct.1.gz || fail "missing pmacct(1)"
fi
for p in /usr/share/doc/pmacct-rs/README.md /usr/share/doc/pmacct-rs/PACKAGING.md \
    /usr/share/doc/pmacct-rs/copyright /usr/share/doc/pmacct-rs/examples/logrotate \
    /usr/share/doc/pmacct-rs/examples/run-as-root.conf /usr/lib/sysusers.d/pmacct-rs.conf; do
    has "$p" || fail "missing $p"
done
for p in COMPATIBILITY.md CONFIG-KEYS.md; do
    if [ -f "docs/$p" ]; then has "/usr/share/doc/pmacct-rs/$p" || fail "docs/$p not shipped"; fi
done
ok "docs in /usr/share/doc/pmacct-rs: $(grep -c '^/usr/share/doc/pmacct-rs/.' "$WORK/files") files"

# --- conffiles: exactly the files under /etc ------------------------------------------
grep '^/etc/.' "$WORK/files" | while read -r p; do [ -d "$WORK/root$p" ] || echo "$p"; done |
    sort >"$WORK/etc-files"
sort "$WORK/control/conffiles" >"$WORK/conffiles"
diff -u "$WORK/etc-files" "$WORK/conffiles" || fail "conffiles differ from the files under /etc"
ok "conffiles: $(tr '\n' ' ' <"$WORK/conffiles")"

# --- units and /etc/default: Debian's names, Type, EnvironmentFile, ExecStart ----------
unit_key() { sed -n "s/^$2=//p" "$1"; }
for d in $BINS; do
    case " $DAEMONS " in *" $d "*) ;; *) continue ;; esac
    u=$WORK/root/lib/systemd/system/$d.service
    var=$(echo "$d" | tr a-z A-Z)_CONF
    [ "$(unit_key "$u" Type)" = forking ] || fail "$d.service Type=$(unit_key "$u" Type)"
    [ "$(unit_key "$u" EnvironmentFile)" = "-/etc/default/$d" ] || fail "$d.service EnvironmentFile"
    [ "$(unit_key "$u" ExecStart)" = "/usr/sbin/$d -f \${$var} \$DAEMON_OPTS" ] ||
        fail "$d.service ExecStart=$(unit_key "$u" ExecStart)"
    [ "$(unit_key "$u" WantedBy)" = multi-user.target ] || fail "$d.service WantedBy"
    # The defaults file sets the variables the unit uses, pointing at the shipped config.
    (
        set +u
        unset "$var" DAEMON_OPTS
        . "$WORK/root/etc/default/$d"
        [ "${!var}" = "/etc/pmacct/$d.conf" ] || fail "/etc/default/$d: $var=${!var}"
        [ "${DAEMON_OPTS+set}" = set ] || fail "/etc/default/$d: no DAEMON_OPTS"
    )
    # Same as the unit of Debian's package when it is installed here.
    deb_unit=/lib/systemd/system/$d.service
    if grep -qx installed < <(dpkg-query -W -f='${db:Status-Status}' pmacct 2>/dev/null) &&
        grep -q '^pmacct:' < <(dpkg -S "$deb_unit" 2>/dev/null); then
        for k in Type EnvironmentFile ExecStart WantedBy After; do
            [ "$(unit_key "$u" $k)" = "$(unit_key "$deb_unit" $k)" ] ||
                fail "$d.service $k='$(unit_key "$u" $k)', Debian's is '$(unit_key "$deb_unit" $k)'"
        done
        diff <(grep -o '^[A-Z_]*=' "/etc/default/$d" | sort) \
            <(grep -o '^[A-Z_]*=' "$WORK/root/etc/default/$d" | sort) >/dev/null ||
            fail "/etc/default/$d sets other variables than Debian's"
        ok "$d.service and /etc/default/$d match Debian's pmacct (Type, EnvironmentFile, ExecStart, WantedBy, After; variable names)"
    fi
    # Least privilege: the system user pmacct, the one capability the daemon needs, pidfiles
    # in /run/pmacct (kept while another unit still uses it).
    case $d in
    nfacctd | sfacctd) cap=CAP_NET_BIND_SERVICE ;;
    pmacctd) cap=CAP_NET_RAW ;;
    uacctd) cap=CAP_NET_ADMIN ;;
    esac
    for kv in User=pmacct Group=pmacct RuntimeDirectory=pmacct RuntimeDirectoryPreserve=yes \
        StateDirectory=pmacct AmbientCapabilities=$cap CapabilityBoundingSet=$cap NoNewPrivileges=yes; do
        [ "$(unit_key "$u" "${kv%%=*}")" = "${kv#*=}" ] ||
            fail "$d.service ${kv%%=*}='$(unit_key "$u" "${kv%%=*}")', want '${kv#*=}'"
    done
    # The example config is one the daemon would run under the unit (Type=forking, User=).
    grep -qx 'daemonize: true' "$WORK/root/etc/pmacct/$d.conf" || fail "$d.conf does not daemonize"
    grep -qx "pidfile: /run/pmacct/$d.pid" "$WORK/root/etc/pmacct/$d.conf" || fail "$d.conf pidfile"
    if [ "$d" = pmacctd ]; then
        grep -qx 'pmacctd_nonroot: true' "$WORK/root/etc/pmacct/$d.conf" || fail "$d.conf lacks pmacctd_nonroot: true"
    fi
    ok "$d.service: Type=forking, EnvironmentFile=-/etc/default/$d, ExecStart=$(unit_key "$u" ExecStart); User=pmacct, $cap only, pidfile /run/pmacct/$d.pid"
done

# sysusers.d declares the user the units name.
grep -qE '^u pmacct - .* /var/lib/pmacct /usr/sbin/nologin$' "$WORK/root/usr/lib/sysusers.d/pmacct-rs.conf" ||
    fail "sysusers.d/pmacct-rs.conf does not declare the system user pmacct"
# systemd's own reading of the units (offline, systemd >= 250): a non-root user and no
# CAP_NET_ADMIN; with the run-as-root drop-in, root and the full bounding set again.
if grep -q -- --offline < <(systemd-analyze security --help 2>/dev/null); then
    for d in $BINS; do
        case " $DAEMONS " in *" $d "*) ;; *) continue ;; esac
        sa=$(systemd-analyze security --offline=yes --root="$WORK/root" "$d.service" 2>&1) || true
        grep -q '✓ User=/DynamicUser=.*static non-root user' <<<"$sa" || fail "systemd-analyze: $d.service does not run as a non-root user: $sa"
        # uacctd joins an NFLOG group: CAP_NET_ADMIN is its one capability; others never keep it.
        if [ "$d" = uacctd ]; then
            grep -q '✓ CapabilityBoundingSet=~CAP_SYS_ADMIN' <<<"$sa" || fail "systemd-analyze: $d.service keeps CAP_SYS_ADMIN"
            grep -qF '✓ CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)' <<<"$sa" || fail "systemd-analyze: $d.service keeps CAP_NET_RAW"
        else
            grep -q '✓ CapabilityBoundingSet=~CAP_NET_ADMIN' <<<"$sa" || fail "systemd-analyze: $d.service keeps CAP_NET_ADMIN"
        fi
        mkdir -p "$WORK/root/etc/systemd/system/$d.service.d"
        cp "$WORK/root/usr/share/doc/pmacct-rs/examples/run-as-root.conf" "$WORK/root/etc/systemd/system/$d.service.d/"
        sa=$(systemd-analyze security --offline=yes --root="$WORK/root" "$d.service" 2>&1) || true
        rm -r "$WORK/root/etc/systemd/system/$d.service.d"
        grep -q '✗ User=/DynamicUser=.*runs as root' <<<"$sa" || fail "systemd-analyze: $d.service + run-as-root.conf not root: $sa"
        grep -q '✗ CapabilityBoundingSet=~CAP_SYS_TIME' <<<"$sa" || fail "systemd-analyze: $d.service + run-as-root.conf lacks the full bounding set"
    done
    ok "systemd-analyze security --offline: units run as a static non-root user without CAP_NET_ADMIN (uacctd: without CAP_SYS_ADMIN/CAP_NET_RAW); with run-as-root.conf as root with every capability"
else
    echo "note: systemd-analyze without --offline: systemd's reading of the units not checked"
fi

# --- maintainer scripts: never enable a unit, start only enabled ones -------------------
for s in postinst prerm postrm; do
    [ -x "$WORK/control/$s" ] || fail "no $s"
    sh -n "$WORK/control/$s" || fail "$s: syntax"
done
# Run postinst against stub deb-systemd-helper/-invoke that log their calls: a fresh
# install (no unit known), a swap from Debian's pmacct whose units the admin left disabled
# (units known, none enabled), and a swap where the admin had enabled one unit.
mkdir -p "$WORK/stub"
cat >"$WORK/stub/deb-systemd-helper" <<'EOF'
#!/bin/sh
echo "helper $*" >>"$STUB_LOG"
[ "$1" = --quiet ] && shift
case "$1" in
was-enabled) [ "$2" = "$STUB_ENABLED" ] ;;
debian-installed) [ "$STUB_KNOWN" = yes ] ;;
*) exit 0 ;;
esac
EOF
cp "$WORK/stub/deb-systemd-helper" "$WORK/stub/deb-systemd-invoke"
sed -i 's/^echo "helper/echo "invoke/' "$WORK/stub/deb-systemd-invoke"
printf '#!/bin/sh\necho "systemctl $*" >>"$STUB_LOG"\n' >"$WORK/stub/systemctl"
# User handling: no user pmacct yet; adduser, chown and dpkg-statoverride only log.
for c in adduser useradd chown; do printf '#!/bin/sh\necho "%s $*" >>"$STUB_LOG"\n' $c >"$WORK/stub/$c"; done
printf '#!/bin/sh\nexit 2\n' >"$WORK/stub/getent"
printf '#!/bin/sh\nexit 1\n' >"$WORK/stub/dpkg-statoverride"
chmod 755 "$WORK/stub"/*
first=$(echo "$BINS" | grep -x -m1 -E "$(echo $DAEMONS | tr ' ' '|')")
for scenario in "no none" "yes none" "yes $first.service"; do
    read -r known enabled <<<"$scenario"
    : >"$WORK/stub.log"
    # Units are looked up in the package's tree, not the host's; mkdir /var/lib/pmacct
    # needs root and the stub run only looks at the unit handling.
    sed -e "s#/lib/systemd/system/#$WORK/root/lib/systemd/system/#g" \
        -e 's#mkdir -p /var/lib/pmacct#:#' "$WORK/control/postinst" >"$WORK/postinst.stub"
    STUB_LOG=$WORK/stub.log STUB_KNOWN=$known STUB_ENABLED=$enabled PATH="$WORK/stub:$PATH" \
        sh "$WORK/postinst.stub" configure '' ||
        fail "postinst configure failed"
    if grep -qv " $enabled\$" < <(grep -E '^helper enable' "$WORK/stub.log"); then
        fail "postinst (units known: $known, enabled: $enabled) enabled a unit the admin had not: $(grep '^helper enable' "$WORK/stub.log")"
    fi
    if [ "$enabled" != none ]; then
        grep -qx "helper enable $enabled" "$WORK/stub.log" || fail "postinst did not keep $enabled enabled"
    fi
done
grep -q "^helper update-state $first.service" "$WORK/stub.log" || fail "postinst never handled $first.service"
grep -qE '^adduser --system --group .*--home /var/lib/pmacct .* pmacct$' "$WORK/stub.log" ||
    fail "postinst did not make the system user pmacct: $(cat "$WORK/stub.log")"
grep -qx 'chown pmacct:pmacct /var/lib/pmacct' "$WORK/stub.log" || fail "postinst did not hand /var/lib/pmacct to pmacct"
ok "postinst enables no unit (fresh install, swap with units disabled) and keeps an admin-enabled unit enabled; makes the system user pmacct and hands it /var/lib/pmacct"

# --- the binaries: x86-64 executables whose needs Depends covers ------------------------
for d in $BINS; do
    # Every daemon (pmbgpd and pmbmpd too) in /usr/sbin, the pmacct client in /usr/bin.
    case $d in pmacct) b=$WORK/root/usr/bin/$d ;; *) b=$WORK/root/usr/sbin/$d ;; esac
    [ "$(head -c 4 "$b" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || fail "$b is not ELF"
    if grep -q 'NEEDED *libpcap' < <(objdump -p "$b" 2>/dev/null); then
        grep -q libpcap <<<"$(field Depends)" || fail "$d links libpcap but Depends lacks it"
    fi
done
ok "binaries: $(echo $BINS)"

MODE=${PMACCT_RS_DEB_INSTALL_TEST:-0}
case "$MODE" in
0)
    echo "PASS (inspection). Install test skipped: PMACCT_RS_DEB_INSTALL_TEST=chroot (as root) runs it in a throwaway root."
    exit 0
    ;;
1 | host | chroot) ;;
*) fail "PMACCT_RS_DEB_INSTALL_TEST=$MODE: want chroot, host (or 1) or 0" ;;
esac

# --- install over Debian's pmacct, then put it back ------------------------------------
# R is the root the swap happens in ("" = this machine), IN runs a command inside it.
[ "$(id -u)" = 0 ] || fail "the install test needs root"
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
DEB_ABS=$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")
if [ "$MODE" = chroot ]; then
    t=$SECONDS
    bash "$ROOT/compat-tests/packaging/chroot.sh" tarball >/dev/null
    t_tar=$((SECONDS - t))
    R=$WORK/chroot
    t=$SECONDS
    bash "$ROOT/compat-tests/packaging/chroot.sh" new "$R" >/dev/null
    trap 'bash "$ROOT/compat-tests/packaging/chroot.sh" remove "$R"; rm -rf "$WORK"' EXIT
    IN=(chroot "$R")
    ok "throwaway root: Debian $(cat "$R/etc/debian_version") minbase (cached root: $t_tar s, unpacked in $((SECONDS - t)) s)"
    # Debian's pmacct as an admin installs it (from the archives cached with the root).
    t=$SECONDS
    "${IN[@]}" "${APT[@]}" --no-install-recommends pmacct >"$WORK/apt-c.log" 2>&1 ||
        { cat "$WORK/apt-c.log"; fail "apt install pmacct in the throwaway root"; }
    ok "Debian's pmacct $("${IN[@]}" dpkg-query -W -f='${Version}' pmacct) installed in the root ($((SECONDS - t)) s)"
    cp "$DEB_ABS" "$R/tmp/"
    DEB_IN=/tmp/$(basename "$DEB")
else
    R=""
    IN=()
    DEB_IN=$DEB_ABS
fi
in_root() { if [ ${#IN[@]} = 0 ]; then "$@"; else "${IN[@]}" "$@"; fi; }
grep -qx installed < <(in_root dpkg-query -W -f='${db:Status-Status}' pmacct 2>/dev/null) ||
    fail "the install test swaps out Debian's pmacct: install it first (apt install pmacct)"

# A user's change to a conffile must survive the swap both ways. All of Debian's conffiles
# are saved and put back at the end, so the machine ends as it started.
BACKUP=$WORK/etc-backup
mkdir -p "$BACKUP"
for d in $DAEMONS; do cp -a "$R/etc/default/$d" "$R/etc/pmacct/$d.conf" "$BACKUP/" 2>/dev/null || true; done
restore_user_change() {
    for d in $DAEMONS; do
        [ -f "$BACKUP/$d" ] && cp -a "$BACKUP/$d" "$R/etc/default/$d"
        [ -f "$BACKUP/$d.conf" ] && cp -a "$BACKUP/$d.conf" "$R/etc/pmacct/$d.conf"
    done
    return 0
}
echo '# local change (pmacct-rs test-deb.sh)' >>"$R/etc/default/nfacctd"
c_md5=$(md5sum <"$R/usr/sbin/nfacctd")

t0=$(date +%s)
in_root "${APT[@]}" "$DEB_IN" >"$WORK/apt-in.log" 2>&1 || { cat "$WORK/apt-in.log"; restore_user_change; fail "apt install ./$(basename "$DEB")"; }
t1=$(date +%s)
{
    set +e
    st_rs=$(in_root dpkg-query -W -f='${db:Status-Status}' pmacct-rs)
    st_c=$(in_root dpkg-query -W -f='${db:Status-Status}' pmacct 2>/dev/null)
    verify=$(in_root dpkg -V pmacct-rs 2>&1)
    ours_md5=$(md5sum <"$R/usr/sbin/nfacctd")
    v_out=$(in_root /usr/sbin/nfacctd -V 2>&1); v_rc=$?
    units_ok=1
    for d in $BINS; do
        case " $DAEMONS " in *" $d "*) ;; *) continue ;; esac
        cmp -s "$R/lib/systemd/system/$d.service" "$WORK/root/lib/systemd/system/$d.service" || units_ok=0
    done
    # Every *acctd unit left in the root starts a binary of pmacct-rs, the packaged one.
    unit_bins=""
    for u in "$R"/lib/systemd/system/*acctd.service; do
        [ -e "$u" ] || continue
        exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
        owner=$(in_root dpkg -S "$exe" 2>/dev/null | cut -d: -f1)
        same=$(cmp -s "$R$exe" "$WORK/root$exe" && echo packaged || echo other)
        unit_bins="$unit_bins $(basename "$u")->$exe($owner,$same)"
    done
    user_kept=$(grep -c 'local change (pmacct-rs test-deb.sh)' "$R/etc/default/nfacctd")
    conf_ours=$(cmp -s "$R/etc/pmacct/nfacctd.conf" "$WORK/root/etc/pmacct/nfacctd.conf" && echo yes || echo no)
    # A daemon started by the install runs the packaged /usr/sbin/<daemon> (in the root).
    # Processes of Debian's binary started earlier (other users of this machine) show
    # "(deleted)".
    started=0
    for e in /proc/[0-9]*/exe; do
        case "$(readlink "$e" 2>/dev/null)" in
        "$R/usr/sbin/nfacctd" | "$R/usr/sbin/sfacctd" | "$R/usr/sbin/pmacctd" | "$R/usr/sbin/uacctd") started=$((started + 1)) ;;
        esac
    done
    wants=$(ls "$R"/etc/systemd/system/*.wants/nfacctd.service 2>/dev/null | wc -l)
    set -e
}
# The daemons as their units start them, in the root: the user pmacct (made by the postinst),
# the unit's capabilities only (setpriv with the unit's User=/AmbientCapabilities=/
# CapabilityBoundingSet=/NoNewPrivileges=; no systemd runs here, so /run/pmacct is made as
# RuntimeDirectory= makes it), the packaged config unchanged but for the port (-l): the
# pidfile must appear in /run/pmacct, nfacctd receive a NetFlow datagram on port 2055 and
# pmacctd capture on lo, both writing their CSV to /var/lib/pmacct on SIGINT.
unit_caps() { # daemon key -> setpriv's "+cap,+cap" for the unit's capability list
    unit_key "$R/lib/systemd/system/$1.service" "$2" | tr ' ' '\n' | sed '/^$/d; s/^CAP_//' |
        tr A-Z a-z | sed 's/^/+/' | paste -sd, -
}
as_unit() { # daemon args...
    local d=$1 u=$R/lib/systemd/system/$1.service amb bnd
    shift
    amb=$(unit_caps "$d" AmbientCapabilities)
    bnd=$(unit_caps "$d" CapabilityBoundingSet)
    local args=(--reuid="$(unit_key "$u" User)" --regid="$(unit_key "$u" Group)" --init-groups
        --inh-caps=-all${amb:+,$amb} --ambient-caps=-all${amb:+,$amb} --bounding-set=-all${bnd:+,$bnd})
    [ "$(unit_key "$u" NoNewPrivileges)" = yes ] && args+=(--no-new-privs)
    in_root setpriv "${args[@]}" "/usr/sbin/$d" "$@"
}
wait_pid() { # pidfile -> pid, or "" after 15 s
    local i
    for i in $(seq 150); do
        [ -s "$1" ] && { cat "$1"; return 0; }
        sleep 0.1
    done
}
stop_pid() { # pid: SIGINT, wait up to 15 s for the exit (the final purge)
    local i
    kill -INT "$1" 2>/dev/null || return 0
    for i in $(seq 150); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
}
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null | tr -s '\t ' ' '; }
{
    set +e
    user_entry=$(in_root getent passwd pmacct)
    # Numeric: names are the root's, stat on this side would use the machine's.
    varlib_owner=$(stat -c %u:%g "$R/var/lib/pmacct" 2>/dev/null)
    mkdir -p "$R/run/pmacct"
    in_root chown pmacct:pmacct /run/pmacct
    port=2055
    python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", 2055))' 2>/dev/null ||
        port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    rm -f "$R"/var/lib/pmacct/nfacctd-*.csv "$R"/var/lib/pmacct/pmacctd-*.csv
    nf_rc=$(as_unit nfacctd -f /etc/pmacct/nfacctd.conf -l "$port" >"$WORK/nf.out" 2>&1; echo $?)
    nf_pid=$(wait_pid "$R/run/pmacct/nfacctd.pid")
    if [ -n "$nf_pid" ]; then
        sleep 0.5
        nf_uid=$(status_of "$nf_pid" Uid); nf_cap=$(status_of "$nf_pid" CapEff)
        # NetFlow v5, one record 10.1.1.1 -> 10.2.2.2, 3 packets, 300 bytes.
        python3 - "$port" <<'PY'
import socket, struct, sys
h = struct.pack("!HHIIII", 5, 1, 1000, 1700000000, 0, 1) + bytes(4)
r = bytes([10, 1, 1, 1, 10, 2, 2, 2, 0, 0, 0, 0, 0, 1, 0, 2]) + struct.pack("!IIII", 3, 300, 900, 1000) \
    + bytes([4, 0, 0, 0x50, 0, 2, 6, 0, 0, 0, 0, 0, 24, 24, 0, 0])
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(h + r, ("127.0.0.1", int(sys.argv[1])))
PY
        sleep 1
        stop_pid "$nf_pid"
    fi
    nf_pidfile_left=$([ -e "$R/run/pmacct/nfacctd.pid" ] && echo yes || echo no)
    nf_csv=$(cat "$R"/var/lib/pmacct/nfacctd-*.csv 2>/dev/null)
    nf_csv_owner=$(stat -c %u "$R"/var/lib/pmacct/nfacctd-*.csv 2>/dev/null | head -n 1)
    pm_rc=$(as_unit pmacctd -f /etc/pmacct/pmacctd.conf >"$WORK/pm.out" 2>&1; echo $?)
    pm_pid=$(wait_pid "$R/run/pmacct/pmacctd.pid")
    if [ -n "$pm_pid" ]; then
        sleep 1
        pm_uid=$(status_of "$pm_pid" Uid); pm_cap=$(status_of "$pm_pid" CapEff)
        python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"captured", ("127.0.0.1", 9)) for _ in range(5)]'
        sleep 1
        stop_pid "$pm_pid"
    fi
    pm_csv=$(cat "$R"/var/lib/pmacct/pmacctd-*.csv 2>/dev/null)
    rm -f "$R"/var/lib/pmacct/nfacctd-*.csv "$R"/var/lib/pmacct/pmacctd-*.csv
    set -e
}
# Swap back before judging, so the machine gets Debian's pmacct again even on failure.
in_root "${APT[@]}" pmacct >"$WORK/apt-out.log" 2>&1 || { cat "$WORK/apt-out.log"; restore_user_change; fail "apt install pmacct"; }
t2=$(date +%s)
back_md5=$(md5sum <"$R/usr/sbin/nfacctd")
back_v=$(in_root /usr/sbin/nfacctd -V 2>&1 | head -n 1)
back_rs=$(in_root dpkg-query -W -f='${db:Status-Status}' pmacct-rs 2>/dev/null || true)
user_kept_back=$(grep -c 'local change (pmacct-rs test-deb.sh)' "$R/etc/default/nfacctd" || true)
conf_back=$(cmp -s "$R/etc/pmacct/nfacctd.conf" "$BACKUP/nfacctd.conf" && echo "Debian's" || echo "pmacct-rs's (kept as a conffile the user may have changed)")
back_units=$(for u in "$R"/lib/systemd/system/*acctd.service; do
    exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
    echo "$(basename "$u")->$(in_root dpkg -S "$exe" 2>/dev/null | cut -d: -f1)"
done | sort | tr '\n' ' ')
# Purging the left-over pmacct-rs must not take Debian's files (same paths) with it.
in_root dpkg --purge pmacct-rs >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; restore_user_change; fail "dpkg --purge pmacct-rs"; }
purge_kept=$(for f in /etc/default/nfacctd /etc/pmacct/nfacctd.conf /lib/systemd/system/nfacctd.service /usr/sbin/nfacctd; do [ -e "$R$f" ] || echo "$f"; done)
echo "--- apt/dpkg messages (swap in, swap back, purge):"
grep -hiE "conffile|configuration file|replac|remov|unpack|setting up|purg" \
    "$WORK/apt-in.log" "$WORK/apt-out.log" "$WORK/purge.log" | sed 's/^/    /'
restore_user_change
verify_c=$(in_root dpkg -V pmacct 2>&1 || true)

echo "swap in: ${st_rs:-?} pmacct-rs, pmacct ${st_c:-gone} ($((t1 - t0)) s); swap back: $((t2 - t1)) s"
[ "$st_rs" = installed ] || fail "pmacct-rs not installed after apt install"
[ "$st_c" != installed ] || fail "Debian's pmacct still installed next to pmacct-rs"
# Conffiles may differ (the user's change is meant to stay); every other file must match.
verify=$(echo "$verify" | awk '$2 != "c"' | sed '/^$/d')
[ -z "$verify" ] || fail "dpkg -V pmacct-rs: $verify"
[ "$ours_md5" != "$c_md5" ] || fail "/usr/sbin/nfacctd is still Debian's"
[ "$ours_md5" = "$(md5sum <"$WORK/root/usr/sbin/nfacctd")" ] || fail "/usr/sbin/nfacctd is not the packaged binary"
if [ $v_rc = 0 ]; then
    grep -q "$VERSION" <<<"$v_out" || fail "nfacctd -V does not print $VERSION: $v_out"
    ok "nfacctd -V: $(echo "$v_out" | head -n 1)"
else
    fail "nfacctd -V exited $v_rc: $(echo "$v_out" | head -n 3)"
fi
[ $units_ok = 1 ] || fail "installed units are not the packaged ones"
[ -n "$unit_bins" ] || fail "no *acctd.service installed"
case "$unit_bins" in *"(pmacct,"* | *",other)"* | *"(,"*) fail "units not pointing at pmacct-rs's binaries:$unit_bins" ;; esac
ok "units point at the packaged binaries:$unit_bins"
[ "$user_kept" = 1 ] || fail "the user's change to /etc/default/nfacctd was lost on swap-in"
[ "$conf_ours" = yes ] || fail "unmodified /etc/pmacct/nfacctd.conf was not updated to ours"
[ "$started" = 0 ] || fail "installing started $started daemon process(es) of the package"
[ "$wants" = 0 ] || fail "installing enabled nfacctd.service"
ok "swap in: binaries and units are ours (dpkg -V clean), user's /etc/default/nfacctd kept, unmodified nfacctd.conf updated, no daemon started, no unit enabled"
IFS=: read -r _ _ p_uid p_gid _ p_home p_shell <<<"$user_entry"
[ -n "$user_entry" ] || fail "no user pmacct after install"
[ "$p_uid" -lt 1000 ] && [ "$p_home" = /var/lib/pmacct ] && [ "$p_shell" = /usr/sbin/nologin ] ||
    fail "user pmacct is not a system user: $user_entry"
[ "$varlib_owner" = "$p_uid:$p_gid" ] || fail "/var/lib/pmacct owned by $varlib_owner, not pmacct ($p_uid:$p_gid)"
ok "postinst made the system user pmacct ($user_entry) and gave it /var/lib/pmacct"
[ -n "$nf_pid" ] || fail "nfacctd as its unit starts it (rc $nf_rc): no /run/pmacct/nfacctd.pid: $(cat "$WORK/nf.out")"
[ "${nf_uid%% *}" = "$p_uid" ] || fail "nfacctd ran as uid '$nf_uid', want pmacct's $p_uid"
[ "$nf_cap" = 0000000000000400 ] || fail "nfacctd CapEff $nf_cap, want CAP_NET_BIND_SERVICE only (0x400)"
grep -q '^10.1.1.1,10.2.2.2,3,300' <<<"$nf_csv" || fail "nfacctd as pmacct on port $port: CSV lacks the record: $nf_csv"
[ "$nf_csv_owner" = "$p_uid" ] || fail "nfacctd's CSV owned by uid $nf_csv_owner, not pmacct ($p_uid)"
[ "$nf_pidfile_left" = no ] || fail "nfacctd left /run/pmacct/nfacctd.pid behind"
ok "nfacctd with nfacctd.service's credentials and the packaged config: uid $p_uid (pmacct), CapEff $nf_cap, received on port $port, CSV in /var/lib/pmacct owned by pmacct: $(echo "$nf_csv" | grep '^10.1.1.1')"
[ -n "$pm_pid" ] || fail "pmacctd as its unit starts it (rc $pm_rc): no /run/pmacct/pmacctd.pid: $(cat "$WORK/pm.out")"
[ "${pm_uid%% *}" = "$p_uid" ] || fail "pmacctd ran as uid '$pm_uid', want pmacct's $p_uid"
[ "$pm_cap" = 0000000000002000 ] || fail "pmacctd CapEff $pm_cap, want CAP_NET_RAW only (0x2000)"
pm_row=$(echo "$pm_csv" | grep '^127.0.0.1,127.0.0.1,' | head -n 1)
[ -n "$pm_row" ] && [ "$(echo "$pm_row" | cut -d, -f3)" -ge 5 ] || fail "pmacctd as pmacct captured nothing on lo: $pm_csv"
ok "pmacctd with pmacctd.service's credentials and the packaged config: uid $p_uid (pmacct), CapEff $pm_cap, captured on lo: $pm_row"
[ "$back_md5" = "$c_md5" ] || fail "after apt install pmacct, /usr/sbin/nfacctd is not Debian's"
[ "$back_rs" != installed ] || fail "pmacct-rs still installed after apt install pmacct"
[ "$user_kept_back" = 1 ] || fail "the user's change to /etc/default/nfacctd was lost on swap-back"
case " $back_units" in *"->pmacct-rs"*) fail "after swap-back units still owned by pmacct-rs: $back_units" ;; esac
ok "swap back: $back_v; pmacct-rs ${back_rs:-gone}; units $back_units; user's change kept; /etc/pmacct/nfacctd.conf after swap-back was $conf_back"
[ -z "$purge_kept" ] || fail "dpkg --purge pmacct-rs removed Debian's $purge_kept"
ok "dpkg --purge pmacct-rs left Debian's pmacct files in place"
[ -z "$verify_c" ] || fail "after restoring, dpkg -V pmacct: $verify_c"
ok "root restored: dpkg -V pmacct clean"
echo "PASS (inspection and install swap, $MODE)"
