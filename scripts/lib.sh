#!/usr/bin/env bash
# Shared set-up for the Makefile targets: the Odoo source, the virtualenv, a
# private PostgreSQL cluster on loopback and the Odoo configuration file.
# Source it; every function exits the script with a message on failure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo/19.0}
LOCAL=$REPO/.local            # git-ignored: cluster, filestore, logs, config
VENV=$REPO/.venv
PGDATA=$LOCAL/pg/data
PGSOCK=$LOCAL/pg/run
ODOO_CONF=$LOCAL/odoo.conf
MODULE=crm_canvas_pipeline
PG_ROLE=odoo                  # Odoo refuses to run as the 'postgres' role
export ODOO_SRC LOCAL VENV ODOO_CONF MODULE

die() { echo "error: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

require_odoo_src() {
    if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -d "$ODOO_SRC/addons/crm" ]; then
        cat >&2 <<MSG
error: no Odoo 19.0 source at ODOO_SRC=$ODOO_SRC (odoo-bin and addons/crm are missing).
  This project runs on a checkout of Odoo 19.0 community; it is never vendored.
  Put one there (e.g. git clone -b 19.0 --depth 1 https://github.com/odoo/odoo $ODOO_SRC)
  or point ODOO_SRC at an existing checkout: make ... ODOO_SRC=/path/to/odoo
MSG
        exit 1
    fi
}

# Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres).
pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    command -v initdb >/dev/null && { dirname "$(readlink -f "$(command -v initdb)")"; return; }
    die "PostgreSQL server binaries not found: install Debian's 'postgresql' package (apt-get install postgresql)"
}

# The cluster is owned by a non-root user: initdb refuses to run as root.
as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

port_is_free() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

# The Debian packages every target needs, one list for make and for .ci/run:
# the PostgreSQL server, libpq's headers and a compiler to build psycopg2,
# venv, Chromium for the browser tests (whose absence fails them), npm and
# git for make lint. Run as root, the missing ones are installed; otherwise
# the target stops at once with the line to run.
debian_missing() {
    local need=()
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    command -v pg_config >/dev/null 2>&1 || need+=(libpq-dev)
    command -v gcc >/dev/null 2>&1 || need+=(gcc)
    python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v npm >/dev/null 2>&1 || need+=(npm)
    command -v git >/dev/null 2>&1 || need+=(git)
    echo "${need[*]}"
}

ensure_debian_packages() {
    local need
    need=$(debian_missing)
    [ -n "$need" ] || return 0
    if [ "$(id -u)" != 0 ]; then
        die "missing Debian packages ($need); install them, then run the target again:
  sudo apt-get install -y $need"
    fi
    say "installing Debian packages: $need"
    apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    # Debian's postgresql package starts the system cluster; ours is private
    if command -v systemctl >/dev/null 2>&1; then systemctl stop postgresql >/dev/null 2>&1 || true; fi
    need=$(debian_missing)
    [ -z "$need" ] || die "apt-get did not install: $need"
}

ensure_venv() {
    require_odoo_src
    ensure_debian_packages
    local stamp=$VENV/.installed
    local want
    want=$(cat "$ODOO_SRC/requirements.txt" "$REPO/requirements.txt" "$REPO/constraints.txt" | sha1sum | cut -c1-40)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    say "creating $VENV (Odoo's requirements + ours)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -U pip wheel
    # python-ldap is only used by auth_ldap and needs LDAP headers to build.
    grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" > "$VENV/odoo-requirements.txt"
    PIP_CONSTRAINT=$REPO/constraints.txt PIP_BUILD_CONSTRAINT=$REPO/constraints.txt \
        "$VENV/bin/pip" install -q -r "$VENV/odoo-requirements.txt" -r "$REPO/requirements.txt"
    # Odoo is not a package on any registry: make the source importable.
    "$VENV/bin/python" - <<PY
import site, pathlib
pathlib.Path(site.getsitepackages()[0], "odoo-src.pth").write_text("$ODOO_SRC\n")
PY
    echo "$want" > "$stamp"
}

pg_port() { cat "$LOCAL/pg/port"; }

pg_running() {
    [ -f "$PGDATA/postmaster.pid" ] && as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_start() {
    local bin port
    bin=$(pg_bindir)
    mkdir -p "$LOCAL/pg"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$LOCAL/pg"
        # the owner must be able to reach the folder through the repo's path
        chmod o+x "$LOCAL" "$REPO" 2>/dev/null || true
    fi
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        say "initialising a private PostgreSQL cluster in $PGDATA"
        as_pg_owner "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if pg_running; then
        write_conf
        return
    fi
    port=$(cat "$LOCAL/pg/port" 2>/dev/null || true)
    if [ -z "$port" ] || ! port_is_free "$port"; then
        port=$(free_port)
    fi
    echo "$port" > "$LOCAL/pg/port"
    as_pg_owner mkdir -p "$PGSOCK"
    say "starting PostgreSQL on 127.0.0.1:$port"
    as_pg_owner "$bin/pg_ctl" -D "$PGDATA" -l "$LOCAL/pg/server.log" -w -t 60 start \
        -o "-h 127.0.0.1 -p $port -k $PGSOCK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null \
        || { tail -20 "$LOCAL/pg/server.log" >&2; die "PostgreSQL did not start"; }
    as_pg_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
        "SELECT 1 FROM pg_roles WHERE rolname='$PG_ROLE'" | grep -q 1 \
        || as_pg_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc \
            "CREATE ROLE $PG_ROLE LOGIN SUPERUSER" >/dev/null
    write_conf
}

pg_stop() {
    if pg_running; then
        say "stopping PostgreSQL"
        as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
    fi
}

# make load's fault run: a fast restart with the options of the last start
# (postmaster.opts); clients see their connections drop.
pg_restart() {
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$PGDATA" -l "$LOCAL/pg/server.log" -m fast -w -t 60 restart >/dev/null
}

psql_local() {
    "$(pg_bindir)/psql" -h 127.0.0.1 -p "$(pg_port)" -U "$PG_ROLE" -d postgres -qtA "$@"
}

db_exists() {
    [ "$(psql_local -c "SELECT 1 FROM pg_database WHERE datname='$1'")" = 1 ]
}

drop_db() {
    psql_local -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
    rm -rf "$LOCAL/data/filestore/$1"
}

write_conf() {
    mkdir -p "$LOCAL/data" "$LOCAL/log"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$REPO
data_dir = $LOCAL/data
db_host = 127.0.0.1
db_port = $(pg_port)
db_user = $PG_ROLE
admin_passwd = admin
http_interface = 127.0.0.1
CONF
}

odoo_bin() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"
}

# A hash of the module's files: 'make run' upgrades the demo when it changes.
module_hash() {
    (cd "$REPO" && find "$MODULE" -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha1sum) | sha1sum | cut -c1-40
}
