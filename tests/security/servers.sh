# Real servers on 127.0.0.1 for transfer tests; sourced after tests/cli/testlib.sh.
# start_nginx DOCROOT: an nginx serving DOCROOT (installs nginx if missing); sets PORT
# start_faultserver DOCROOT: tests/security/faultserver.py on DOCROOT; sets PORT
# (not in $(…): the servers must be children of the test shell, which stops them at exit)
# free_port: prints a port nothing listens on (for a mirror that is down)
SERVER_PIDS=()
stop_servers() {
    local p
    for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'stop_servers; rm -rf "$T"' EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
    local port=$1 i
    for i in $(seq 100); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    fail "no server came up on port $port"
}

need_nginx() {
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y nginx-light >/dev/null 2>&1 || apt-get install -y nginx >/dev/null 2>&1 || true
    fi
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
        echo "SKIP: nginx is not installed and cannot be installed here"; exit 77; }
}

start_nginx() {
    local docroot=$1 port dir
    need_nginx
    port=$(free_port)
    dir=$(mktemp -d "$T/nginx.XXXXXX")
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $docroot;
    }
}
CONF
    PATH=$PATH:/usr/sbin nginx -p "$dir" -c "$dir/nginx.conf" 2>>"$dir/error.log" &
    SERVER_PIDS+=($!)
    wait_port "$port"
    PORT=$port
    NGINX_LOG=$dir/access.log
}

start_faultserver() {
    local docroot=$1 portfile
    portfile=$(mktemp -u "$T/faultport.XXXXXX")
    python3 "$SRC/tests/security/faultserver.py" "$docroot" "$portfile" 2>>"$T/faultserver.log" &
    SERVER_PIDS+=($!)
    local i
    for i in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
    [ -s "$portfile" ] || fail "the fault server did not start"
    PORT=$(cat "$portfile")
}
