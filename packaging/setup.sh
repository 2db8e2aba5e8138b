#!/usr/bin/env bash
# Set up nnstudio on this machine and run it, in two commands or fewer.
#
#   packaging/setup.sh app  [ARGS...]         install what is missing, then run `nnstudio --demo ARGS`
#   packaging/setup.sh test [PYTEST ARGS...]  install what is missing, then run the test suite headless
#
# Steps, each skipped when already done (a second run takes about a second):
#   1. Linux: the system libraries Qt's xcb and offscreen platform plugins load (checked with
#      `ldconfig -p`), plus fontconfig and fonts-dejavu-core (without fonts Qt draws empty boxes).
#      Installed with apt-get when root or sudo allows it; otherwise the apt line is printed.
#   2. .venv in the repository root, with `pip install -e .` (app) or `-e '.[test]'` (test).
#      A stamp in .venv remembers the pyproject.toml it was installed from.
#   3. Run.
# Environment: PYTHON picks the interpreter for a new .venv (default python3); pip's own
# configuration (pip.conf, PIP_*) is used as it is.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON="${PYTHON:-python3}"
TEST_TIMEOUT="85m"   # CI allows 90 min for the whole of .ci/run

log()  { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: warning: %s\n' "$*" >&2; }
die()  { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------------------------
# 1. System libraries (Linux only)
# ---------------------------------------------------------------------------------------------

# soname -> Debian package. Found with `ldd` / `objdump -p` on PySide6-Essentials 6.12:
# QtCore/Gui/Widgets/Svg/OpenGL/Test, libQt6XcbQpa and the offscreen, minimal, xcb platform
# plugins and xcb GL integrations. (The optional gtk3 platform theme is left out on purpose:
# Qt skips it when GTK is absent.) Debian 12 images usually lack only the two xcb-util ones.
QT_SYSTEM_LIBS=(
    "libEGL.so.1              libegl1"
    "libGL.so.1               libgl1"
    "libX11.so.6              libx11-6"
    "libX11-xcb.so.1          libx11-xcb1"
    "libxkbcommon.so.0        libxkbcommon0"
    "libxkbcommon-x11.so.0    libxkbcommon-x11-0"
    "libfontconfig.so.1       libfontconfig1"
    "libfreetype.so.6         libfreetype6"
    "libdbus-1.so.3           libdbus-1-3"
    "libglib-2.0.so.0         libglib2.0-0"
    "libzstd.so.1             libzstd1"
    "libxcb.so.1              libxcb1"
    "libxcb-cursor.so.0       libxcb-cursor0"
    "libxcb-glx.so.0          libxcb-glx0"
    "libxcb-icccm.so.4        libxcb-icccm4"
    "libxcb-image.so.0        libxcb-image0"
    "libxcb-keysyms.so.1      libxcb-keysyms1"
    "libxcb-randr.so.0        libxcb-randr0"
    "libxcb-render.so.0       libxcb-render0"
    "libxcb-render-util.so.0  libxcb-render-util0"
    "libxcb-shape.so.0        libxcb-shape0"
    "libxcb-shm.so.0          libxcb-shm0"
    "libxcb-sync.so.1         libxcb-sync1"
    "libxcb-util.so.1         libxcb-util1"
    "libxcb-xfixes.so.0       libxcb-xfixes0"
    "libxcb-xkb.so.1          libxcb-xkb1"
)
# Packages checked by name rather than by library: the font stack.
FONT_PACKAGES=(fontconfig fonts-dejavu-core)

ldconfig_cmd() {
    # /sbin is not on an ordinary user's PATH on Debian.
    if command -v ldconfig >/dev/null 2>&1; then ldconfig "$@"; else /sbin/ldconfig "$@"; fi
}

# The sonames the dynamic linker knows, one a line. (Read into a variable, not piped into
# `grep -q`: under pipefail that fails when grep exits early and ldconfig gets SIGPIPE.)
known_libs() {
    { ldconfig_cmd -p 2>/dev/null || true; } | awk 'NR > 1 {print $1}'
}

deb_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

ensure_system_packages() {
    [ "$(uname -s)" = "Linux" ] || return 0

    local known missing_libs=() pkgs=() entry soname pkg
    known="$(known_libs)"
    for entry in "${QT_SYSTEM_LIBS[@]}"; do
        read -r soname pkg <<<"$entry"
        if ! grep -qxF -- "$soname" <<<"$known"; then
            missing_libs+=("$soname")
            pkgs+=("$pkg")
        fi
    done

    if command -v dpkg-query >/dev/null 2>&1; then
        for pkg in "${FONT_PACKAGES[@]}"; do
            deb_installed "$pkg" || pkgs+=("$pkg")
        done
        # Debian splits venv support out of python3.
        if ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1 && [ ! -x "$VENV/bin/python" ]; then
            pkgs+=(python3-venv)
        fi
    fi

    [ "${#pkgs[@]}" -eq 0 ] && return 0

    local apt_line="apt-get install -y --no-install-recommends ${pkgs[*]}"
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "Qt needs system libraries that are missing: ${missing_libs[*]:-}${missing_libs[*]:+ }(Debian names: ${pkgs[*]}); install them with this system's package manager."
        return 0
    fi

    local -a sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
            sudo=(sudo)
        else
            warn "Qt needs system packages this user cannot install. Run as root:"
            printf '    sudo apt-get update && sudo %s\n' "$apt_line" >&2
            return 0
        fi
    fi

    log "installing system packages: ${pkgs[*]}"
    local apt_log
    apt_log="$(mktemp "${TMPDIR:-/tmp}/nnstudio-apt.XXXXXX")"
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$apt_log" 2>&1 \
        || ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        rm -f "$apt_log"
        die "apt-get failed (output above). The command was: $apt_line"
    fi
    rm -f "$apt_log"

    known="$(known_libs)"
    for soname in "${missing_libs[@]}"; do
        grep -qxF -- "$soname" <<<"$known" || warn "$soname is still not found by ldconfig"
    done
}

# After pip: report any library a platform plugin still cannot resolve (catches a future
# PySide6 that needs a library the table above does not know yet).
check_qt_plugins() {
    [ "$(uname -s)" = "Linux" ] && command -v ldd >/dev/null 2>&1 || return 0
    local plugin_dir plugin missing
    for plugin_dir in "$VENV"/lib/python3*/site-packages/PySide6/Qt/plugins/platforms; do
        [ -d "$plugin_dir" ] || continue
        for plugin in offscreen xcb; do
            [ -e "$plugin_dir/libq$plugin.so" ] || continue
            missing="$(ldd "$plugin_dir/libq$plugin.so" 2>/dev/null \
                | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')"
            if [ -n "$missing" ]; then
                warn "Qt's $plugin platform plugin cannot load: ${missing}(install the packages that provide them)"
            fi
        done
    done
}

# ---------------------------------------------------------------------------------------------
# 2. Virtual environment
# ---------------------------------------------------------------------------------------------

ensure_venv() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        return 0
    fi
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON to a Python >= 3.10)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || die "nnstudio needs Python >= 3.10, got $("$PYTHON" -V 2>&1) (set PYTHON=...)"
    local clear=()
    if [ -e "$VENV" ]; then
        warn ".venv exists but its python does not run; recreating it"
        clear=(--clear)
    fi
    log "creating .venv with $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "${clear[@]}" "$VENV"
}

# What an install depends on: pyproject.toml, where the repo is (editable installs point
# at it) and the venv's interpreter.
install_key() {
    "$VENV/bin/python" - "$REPO_ROOT" <<'EOF'
import hashlib, pathlib, sys
root = pathlib.Path(sys.argv[1])
h = hashlib.sha256((root / "pyproject.toml").read_bytes())
h.update(str(root).encode())
h.update(sys.version.encode())
print(h.hexdigest())
EOF
}

stamp_file() { printf '%s/.nnstudio-installed-%s' "$VENV" "$1"; }

stamp_matches() {
    local stamp
    stamp="$(stamp_file "$1")"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$2" ] && [ -x "$VENV/bin/nnstudio" ]
}

# $1: app | test
ensure_installed() {
    local mode="$1" key spec
    key="$(install_key)"
    if stamp_matches "$mode" "$key" || { [ "$mode" = app ] && stamp_matches test "$key"; }; then
        return 0
    fi
    spec="."
    [ "$mode" = test ] && spec=".[test]"

    log "installing nnstudio and its dependencies into .venv (pip install -e '$spec')"
    local pip_log start=$SECONDS
    pip_log="$(mktemp "${TMPDIR:-/tmp}/nnstudio-pip.XXXXXX")"
    rm -f "$(stamp_file app)" "$(stamp_file test)"
    if ! (cd "$REPO_ROOT" && "$VENV/bin/python" -m pip install -e "$spec") >"$pip_log" 2>&1; then
        cat "$pip_log" >&2
        rm -f "$pip_log"
        die "pip install -e '$spec' failed (output above)"
    fi
    rm -f "$pip_log"
    printf '%s\n' "$key" >"$(stamp_file "$mode")"
    log "installed in $((SECONDS - start)) s"
    check_qt_plugins
}

# ---------------------------------------------------------------------------------------------
# 3. Run
# ---------------------------------------------------------------------------------------------

with_timeout() {
    # with_timeout DURATION CMD...: `timeout` where coreutils has it (not on stock macOS).
    local duration="$1"; shift
    if command -v timeout >/dev/null 2>&1; then
        timeout --kill-after=60s "$duration" "$@"
    else
        "$@"
    fi
}

run_app() {
    if [ "$(uname -s)" = "Linux" ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] \
        && [ -z "${QT_QPA_PLATFORM:-}" ]; then
        # Without a display Qt would abort (exit 134) with a misleading "libxcb-cursor0" message.
        log "no display: checking that nnstudio starts, on Qt's offscreen platform"
        local rc=0
        QT_QPA_PLATFORM=offscreen with_timeout 120s "$VENV/bin/nnstudio" --demo --smoke-test || rc=$?
        [ "$rc" -eq 0 ] || die "headless smoke check failed: nnstudio --demo --smoke-test exited $rc"
        log "smoke check passed"
        local args=""
        if [ "$#" -gt 0 ]; then
            args=" $(printf '%q ' "$@")"
            args="${args% }"
        fi
        local rel_venv=".venv"
        [ "$PWD" = "$REPO_ROOT" ] || rel_venv="$VENV"
        echo
        echo "No display found: starting nnstudio on a virtual screen (Xvfb) is possible with:"
        if ! command -v xvfb-run >/dev/null 2>&1; then
            echo "    apt-get install -y --no-install-recommends xvfb xauth"
        fi
        echo "    QT_QPA_PLATFORM=xcb xvfb-run -a -s \"-screen 0 1280x800x24\" $rel_venv/bin/nnstudio --demo$args"
        echo "(or run packaging/setup.sh app on a machine with a desktop)"
        exit 0
    fi
    exec "$VENV/bin/nnstudio" --demo "$@"
}

run_tests() {
    cd "$REPO_ROOT"
    local rc=0
    log "running the test suite (QT_QPA_PLATFORM=offscreen, time limit $TEST_TIMEOUT)"
    QT_QPA_PLATFORM=offscreen with_timeout "$TEST_TIMEOUT" "$VENV/bin/python" -m pytest "$@" || rc=$?
    case "$rc" in
        5)
            printf 'setup: error: pytest collected no tests (exit 5); a run that tests nothing counts as a failure\n' >&2
            exit 1 ;;
        124|137)
            printf 'setup: error: the test suite did not finish within %s and was stopped\n' "$TEST_TIMEOUT" >&2 ;;
    esac
    exit "$rc"
}

main() {
    local mode="${1:-}"
    case "$mode" in
        app|test) shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    ensure_system_packages
    ensure_venv
    ensure_installed "$mode"
    if [ "$mode" = app ]; then run_app "$@"; else run_tests "$@"; fi
}

main "$@"
