# Shell helpers shared by scripts/servers.sh and scripts/cluster.sh (sourced, not run).

port_free() {  # port: nothing listens on 127.0.0.1:port
  python3 - "$1" <<'PY'
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
}
