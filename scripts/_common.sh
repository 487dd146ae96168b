# Shared helpers for the scripts in this folder (sourced, not executed).
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.venv"
REQUIRED_PY="3.13"

find_python() {
    # An explicit choice wins, then pyenv's 3.13 builds, then whatever python3.13 is on PATH.
    local candidates=()
    [[ -n "${PYTHON:-}" ]] && candidates+=("${PYTHON}")
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root)"
        for dir in "${root}"/versions/${REQUIRED_PY}*; do
            [[ -x "${dir}/bin/python" ]] && candidates+=("${dir}/bin/python")
        done
    fi
    candidates+=("python${REQUIRED_PY}" "python3")
    local py
    for py in "${candidates[@]}"; do
        if command -v "${py}" >/dev/null 2>&1 \
            && "${py}" -c "import sys; sys.exit(sys.version_info[:2] != (3, 13))" 2>/dev/null; then
            command -v "${py}"
            return 0
        fi
    done
    cat >&2 <<MSG
Python ${REQUIRED_PY} was not found.
Install it, for example with pyenv (pyenv install ${REQUIRED_PY}) or your distribution's packages,
or point the scripts at it: PYTHON=/path/to/python${REQUIRED_PY} scripts/test
MSG
    return 1
}

ensure_venv() {
    if [[ ! -x "${VENV}/bin/python" ]]; then
        local py
        py="$(find_python)"
        echo "Creating virtual environment in ${VENV} with ${py}"
        "${py}" -m venv "${VENV}"
    fi
    # Reinstall only when the requirement files changed since the last install.
    local stamp="${VENV}/.requirements.sha256"
    local want
    want="$(cat "${ROOT}"/requirements*.txt | sha256sum | cut -d' ' -f1)"
    if [[ ! -f "${stamp}" || "$(cat "${stamp}")" != "${want}" ]]; then
        # The machine's pip mirrors warn about every package they do not hold: keep real errors only.
        "${VENV}/bin/python" -m pip install --quiet --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
        "${VENV}/bin/python" -m pip install --quiet -r "${ROOT}/requirements_test.txt" \
            -r "${ROOT}/requirements_dev.txt" 2> >(grep -v "^WARNING: Location" >&2)
        echo "${want}" > "${stamp}"
    fi
}

ensure_mosquitto() {
    # The MQTT bridge tests run against a real broker.
    if command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]]; then
        return 0
    fi
    echo "Installing mosquitto (needed by the MQTT bridge tests)"
    local sudo=""
    [[ "$(id -u)" != "0" ]] && sudo="sudo"
    ${sudo} apt-get update -qq && ${sudo} apt-get install -y -qq mosquitto >/dev/null
}

ensure_chromium() {
    # The real-browser tests (tests/ui) drive Debian's Chromium through Playwright.
    [[ -x /usr/bin/chromium ]] && return 0
    echo "Installing chromium (needed by the real-browser tests in tests/ui)"
    local sudo=""
    [[ "$(id -u)" != "0" ]] && sudo="sudo"
    ${sudo} apt-get update -qq && ${sudo} apt-get install -y -qq chromium >/dev/null
}

ensure_turbojpeg() {
    # Home Assistant's camera helpers log an error with a traceback at every start without it.
    ldconfig -p 2>/dev/null | grep -q libturbojpeg && return 0
    local sudo=""
    [[ "$(id -u)" != "0" ]] && sudo="sudo"
    { ${sudo} apt-get install -y -qq libturbojpeg0 >/dev/null 2>&1 \
        || { ${sudo} apt-get update -qq && ${sudo} apt-get install -y -qq libturbojpeg0; } >/dev/null 2>&1; } \
        || echo "Could not install libturbojpeg0; Home Assistant will log a harmless error about it."
}
