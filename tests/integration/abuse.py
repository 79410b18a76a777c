# SPDX-License-Identifier: LGPL-2.1-or-later
# A hostile Varlink client for tests/integration/bad-input.sh: broken framing and JSON,
# fds of every kind, ancillary data, slow and flooding connections. Prints one line: the
# first reply as "ERROR-NAME {params}" or "OK {params}" (the last reply of the call), or
# what happened instead: EOF, RESET, TIMEOUT, EPIPE, CLOSED, READY.
#   abuse.py SOCK call JSON [FD-KIND...]   one message; fds attached (kinds below)
#   abuse.py SOCK run OVERRIDES [FD-KIND...]  a Run call (see run_message), fds std x3
#   abuse.py SOCK raw PYTHON-BYTES-LITERAL one message of exactly these bytes (+ NUL)
#   abuse.py SOCK MODE [ARG]               the other modes, see MODES
import array, json, os, select, socket, struct, sys, time

TIMEOUT = float(os.environ.get("ABUSE_TIMEOUT", "10"))


def fd_of(kind):
    """A new fd of the named kind (closed by the caller)."""
    if kind == "std":
        return os.dup(1)
    if kind == "null":
        return os.open("/dev/null", os.O_RDWR)
    if kind == "dir":
        return os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    if kind == "opath":
        return os.open("/", os.O_PATH)
    if kind == "zero":
        return os.open("/dev/zero", os.O_RDONLY)
    if kind == "nsfs":
        return os.open("/proc/self/ns/net", os.O_RDONLY)
    if kind == "pidfd":
        return os.pidfd_open(os.getpid())
    if kind == "eventfd":
        return os.eventfd(0)
    if kind == "memfd":
        return os.memfd_create("abuse")
    raise SystemExit("unknown fd kind " + kind)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(path)
    return s


def send(s, data, fds=(), cmsgs=()):
    """All of data; the fds and control messages ride with the first byte."""
    anc = list(cmsgs)
    if fds:
        anc.append((socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes()))
    n = s.sendmsg([data], anc)
    if n < len(data):
        s.sendall(data[n:])


def recv_message(s, buf):
    """(message bytes or None at EOF, rest of buf); raises on timeout/reset."""
    while b"\0" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    msg, rest = buf.split(b"\0", 1)
    return msg, rest


def describe(msg):
    """ "NAME key=value ..." (parameters sorted; non-strings as JSON), or "OK key=value ..."."""
    try:
        o = json.loads(msg)
    except ValueError:
        return "BADJSON %r" % msg[:80]
    words = [o["error"] if "error" in o else "OK"]
    for k, v in sorted(o.get("parameters", {}).items()):
        words.append("%s=%s" % (k, v if isinstance(v, str) else
                                json.dumps(v, separators=(",", ":"))))
    return " ".join(words)


def replies(s):
    """The replies of one call: up to the first without continues; the line to print."""
    buf = b""
    try:
        while True:
            msg, buf = recv_message(s, buf)
            if msg is None:
                return "EOF"
            o = json.loads(msg) if msg.startswith(b"{") else {}
            if not (isinstance(o, dict) and o.get("continues") is True):
                return describe(msg)
    except socket.timeout:
        return "TIMEOUT"
    except ConnectionResetError:
        return "RESET"


def call(path, text, kinds=(), cmsgs=()):
    s = connect(path)
    fds = [fd_of(k) for k in kinds]
    try:
        send(s, text + b"\0", fds, cmsgs)
    except BrokenPipeError:
        # The daemon may have answered and closed before all was sent (a message over the
        # size limit): its reply is still there to read.
        out = replies(s)
        return out if out not in ("EOF", "RESET") else "EPIPE"
    finally:
        for fd in fds:
            os.close(fd)
    return replies(s)


def run_message(overrides):
    """A Run call: defaults (ABUSE_TARGET, ABUSE_ARGV, net, fds 0 1 2) with overrides merged;
    an override "DELETE" removes the key, "__more": false leaves "more" out."""
    params = {"target": os.environ.get("ABUSE_TARGET", ""), "namespaces": ["net"],
              "argv": json.loads(os.environ.get("ABUSE_ARGV", '["true"]')),
              "stdin": 0, "stdout": 1, "stderr": 2}
    more = True
    for k, v in json.loads(overrides).items():
        if k == "__more":
            more = v
        elif v == "DELETE":
            params.pop(k, None)
        else:
            params[k] = v
    msg = {"method": "io.nsctl.Run", "parameters": params}
    if more:
        msg["more"] = True
    return json.dumps(msg).encode()


def mode_half_eof(path, nfds):
    """Half a message (with fds), then close the sending side: nothing to answer."""
    s = connect(path)
    fds = [fd_of("null") for _ in range(int(nfds))]
    send(s, b'{"method":"org.varlink.service.GetI', fds)
    for fd in fds:
        os.close(fd)
    s.shutdown(socket.SHUT_WR)
    return replies(s)


def mode_slowloris(path, _):
    """One byte every 0.3 s, never a whole message: the deadline is absolute."""
    s = connect(path)
    data = b'{"method":"org.varlink.service.GetInfo"' + b" " * 1000
    start = time.monotonic()
    for b in data:
        try:
            s.send(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            break
        r, _, _ = select.select([s], [], [], 0.3)
        if r:
            break
        if time.monotonic() - start > TIMEOUT:
            return "TIMEOUT"
    return replies(s)


def mode_idle(path, _):
    return replies(connect(path))


def mode_pipeline(path, n):
    """n complete calls in one write."""
    s = connect(path)
    s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0' * int(n))
    return replies(s)


def mode_noread(path, n):
    """Ask for n interface descriptions (about 3 KiB each) in small batches, never read."""
    s = connect(path)
    msg = (b'{"method":"org.varlink.service.GetInterfaceDescription",'
           b'"parameters":{"interface":"io.nsctl"}}\0')
    try:
        for _ in range(int(n) // 8):
            s.sendall(msg * 8)
            time.sleep(0.005)
    except (BrokenPipeError, ConnectionResetError):
        return "CLOSED"
    count, buf = 0, b""
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
            count += buf.count(b"\0")
            buf = buf[buf.rfind(b"\0") + 1:]
    except ConnectionResetError:
        return "CLOSED"
    return "CLOSED" if count < int(n) else "ALL %d" % count


def mode_stuffed(path, n):
    """n interface descriptions asked for (less than the output limit, more than the socket
    holds), then silence, never reading: is the connection dropped within 6 s?"""
    s = connect(path)
    msg = (b'{"method":"org.varlink.service.GetInterfaceDescription",'
           b'"parameters":{"interface":"io.nsctl"}}\0')
    start = time.monotonic()
    try:
        for _ in range(int(n) // 8):
            s.sendall(msg * 8)
            time.sleep(0.005)
    except (BrokenPipeError, ConnectionResetError):
        # Dropped while it was still sending: no less dropped.
        return "DROPPED" if time.monotonic() - start < 6 else "LATE"
    p = select.poll()
    p.register(s, select.POLLRDHUP)
    start = time.monotonic()
    events = p.poll(6000)
    if not events:
        return "LINGERS"
    return "DROPPED" if time.monotonic() - start < 6 else "LATE"


def mode_fds(path, n):
    """A GetInfo with n fds attached."""
    return call(path, b'{"method":"org.varlink.service.GetInfo"}', ["null"] * int(n))


def mode_scm_credentials(path, overrides):
    """A Run with SCM_CREDENTIALS of the sender attached (the daemon must not care)."""
    creds = struct.pack("iII", os.getpid(), os.getuid(), os.getgid())
    return call(path, run_message(overrides), ["std"] * 3,
                [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])


def mode_hold(path, n):
    """Open n connections, print READY, keep them until stdin closes or 5 s pass."""
    conns = [connect(path) for _ in range(int(n))]
    print("READY", flush=True)
    select.select([sys.stdin], [], [], 5)
    for c in conns:
        c.close()
    return None


def mode_flood(path, n):
    """Open n connections; the reply on the last one (the others stay open meanwhile)."""
    conns = [connect(path) for _ in range(int(n) - 1)]
    last = connect(path)
    r, _, _ = select.select([last], [], [], 1.5)
    out = replies(last) if r else "NOREPLY"
    for c in conns:
        c.close()
    return out


MODES = {
    "half-eof": mode_half_eof,
    "slowloris": mode_slowloris,
    "idle": mode_idle,
    "pipeline": mode_pipeline,
    "noread": mode_noread,
    "stuffed": mode_stuffed,
    "fds": mode_fds,
    "scm-credentials": mode_scm_credentials,
    "hold": mode_hold,
    "flood": mode_flood,
}


def main(argv):
    path, mode, args = argv[0], argv[1], argv[2:]
    try:
        if mode == "call":
            out = call(path, args[0].encode(), args[1:])
        elif mode == "run":
            out = call(path, run_message(args[0]), args[1:] or ["std"] * 3)
        elif mode == "raw":
            out = call(path, eval(args[0]))  # a bytes literal written by the test itself
        else:
            out = MODES[mode](path, args[0] if args else None)
    except socket.timeout:
        out = "TIMEOUT"
    except ConnectionResetError:
        out = "RESET"
    except BrokenPipeError:
        out = "EPIPE"
    except ConnectionRefusedError:
        out = "REFUSED"
    if out is not None:
        print(out)


main(sys.argv[1:])
