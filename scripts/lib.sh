# Shared by scripts/start, scripts/test and .ci/run. Every step is idempotent:
# it checks before it installs, so a second run does almost nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# A Python >= 3.12: on PATH, else from pyenv (whose shims only answer when a
# version is selected), else Debian's python3.12 package if it has one.
find_python() {
  local candidate version
  for candidate in python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]\.[0-9]+$' | sort -V); do
      candidate="$(pyenv root)/versions/$version/bin/python3"
      if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
    done
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt_install python3.12 python3.12-venv >/dev/null 2>&1 || true
    if command -v python3.12 >/dev/null 2>&1; then command -v python3.12; return 0; fi
  fi
  echo "Podpora needs Python 3.12 or newer; none was found." >&2
  return 1
}

APT_UPDATED=""
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Please install: ${missing[*]} (apt-get install ${missing[*]})" >&2; return 1
  fi
  say "Installing ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The virtual environment, reinstalled only when pyproject.toml changed.
ensure_venv() {
  local extras="${1:-}" stamp want
  if [ ! -x "$VENV/bin/python" ] ||
     ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    local python; python="$(find_python)"
    say "Creating the virtual environment with $("$python" --version)"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
  want="$(sha1sum pyproject.toml | cut -c1-16)-${extras:-base}"
  stamp="$VENV/.podpora-installed"
  if [ ! -f "$stamp" ] || ! grep -qx -- "$want" "$stamp"; then
    say "Installing Podpora${extras:+ with [$extras]}"
    ensure_build_libs
    "$VENV/bin/python" -m pip install -q -e ".${extras:+[$extras]}"
    echo "$want" > "$stamp"
  fi
}

# Front-end libraries (htmx, charts) from npm; never committed.
ensure_assets() {
  local stamp="node_modules/.podpora-installed" want
  want="$(sha1sum package.json | cut -c1-16)"
  if [ ! -f "$stamp" ] || ! grep -qx -- "$want" "$stamp"; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    say "Installing front-end libraries"
    npm install --silent --no-audit --no-fund >/dev/null
    echo "$want" > "$stamp"
  fi
}

postgres_up() {
  "$VENV/bin/python" - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
}

# Make sure a PostgreSQL server answers on 127.0.0.1:5432 (start or install it).
ensure_postgres() {
  postgres_up && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
  if [ -n "$version" ]; then
    say "Starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null ||
      pg_ctlcluster "$version" main start 2>/dev/null || true
  fi
  for _ in $(seq 1 30); do postgres_up && return 0; sleep 1; done
  echo "PostgreSQL did not start." >&2
  return 1
}

redis_up() {
  "$VENV/bin/python" - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 6379)) == 0 else 1)
PY
}

# A Redis on 127.0.0.1:6379 for the tests of the scale-out task backend
# (a throwaway one: no persistence).
ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server || return 0
  say "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' \
    --appendonly no >/dev/null 2>&1 || return 0
  for _ in $(seq 1 20); do redis_up && return 0; sleep 0.5; done
}

# What the test suite drives for real: Chromium for browser tests, Dovecot
# for IMAP, gettext for the catalogues, Redis for the scale-out task backend,
# pdftotext to read generated PDFs, pg_dump/pg_restore for the backup drill.
ensure_test_tools() {
  apt_install chromium dovecot-imapd gettext poppler-utils slapd ldap-utils
  command -v pg_restore >/dev/null 2>&1 || apt_install postgresql-client
  ensure_redis
  ensure_pdf_libs
}

# python-ldap (LDAP/AD sign-in) is built from source against OpenLDAP and SASL.
ensure_build_libs() {
  command -v apt-get >/dev/null 2>&1 || return 0
  apt_install libldap2-dev libsasl2-dev
}

# WeasyPrint (report PDFs) draws text with Pango; DejaVu has Polish and Czech letters.
ensure_pdf_libs() {
  apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
}
