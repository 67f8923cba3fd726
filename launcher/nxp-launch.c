/* nxp-launch: starts an nxp plugin from wherever NextChat runs (a container, another uid).
 *
 * usage: nxp-launch --socket PATH NAME
 *
 * NextChat's mcp_config.json names this program for each plugin (nxp nextchat set DIR
 * --launcher). It connects to the host's runner (nxp serve, see nxp-serve(1)) on the Unix
 * socket PATH and hands it its own stdin, stdout and stderr; the runner starts
 * `nxp exec NAME` on the host, in its sandbox, with those three descriptors as its stdio, so
 * the MCP session flows between NextChat and the sandboxed server directly: this program
 * relays no byte of it. It waits for the runner's reply and exits with the status of
 * `nxp exec`. Killing it (or closing its socket any other way) tells the runner to stop the
 * server. Built static (musl), it needs no libc, loader or file in the container besides
 * itself and the socket.
 *
 * Protocol (version 1), on a SOCK_STREAM Unix socket; integers are single bytes:
 *   request, one sendmsg carrying SCM_RIGHTS [stdin, stdout, stderr]:
 *     "NXPL"  version=1  len (1..64)  NAME (len bytes, [a-z0-9][a-z0-9._-]*)
 *     at most 70 bytes; nothing else is ever sent.
 *   reply, once:
 *     "NXPR"  version=1  kind  status  msglen_hi msglen_lo  MESSAGE (msglen bytes, <= 1024)
 *     kind 'X': nxp exec ended; status is its exit status (128+N when killed by signal N).
 *     kind 'R': refused (peer uid not allowed, unknown plugin, busy, bad request); MESSAGE
 *               says why; status is the exit status to use.
 *   The runner closes the connection after its reply. If the client closes first, the
 *   runner terminates nxp exec's process group (SIGTERM, SIGKILL 2 s later).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQ_MAGIC "NXPL"
#define REPLY_MAGIC "NXPR"
#define PROTO_VERSION 1
#define MAX_NAME 64
#define MAX_MESSAGE 1024
#define REPLY_HEADER 9

static void say(const char *a, const char *b, const char *c, const char *d) {
    const char *parts[] = {"nxp-launch: ", a, b, c, d, "\n"};
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *p = parts[i];
        if (!p) continue;
        size_t n = strlen(p);
        while (n > 0) {
            ssize_t w = write(2, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return;
            p += w;
            n -= (size_t)w;
        }
    }
}

static int usage(void) {
    say("usage: nxp-launch --socket PATH NAME", 0, 0, 0);
    say("starts plugin NAME through the host's 'nxp serve'; see nxp-serve(1)", 0, 0, 0);
    return 64;
}

/* Reads exactly n bytes; returns 0, or -1 at EOF or on an error. */
static int read_full(int fd, unsigned char *buf, size_t n) {
    while (n > 0) {
        ssize_t r = read(fd, buf, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        buf += r;
        n -= (size_t)r;
    }
    return 0;
}

static int connect_runner(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        say(path, ": socket path too long", 0, 0);
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        say("cannot create a socket: ", strerror(errno), 0, 0);
        return -1;
    }
    while (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (errno == EINTR) continue;
        int err = errno;
        close(fd);
        if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR)
            say(path, ": ", strerror(err), "; is nxp serve running? see nxp-serve(1)");
        else if (err == EACCES || err == EPERM)
            say(path, ": ", strerror(err),
                "; this uid may not use the socket (see nxp-serve(1), --allow-uid)");
        else
            say(path, ": cannot connect: ", strerror(err), 0);
        return -1;
    }
    return fd;
}

static int send_request(int fd, const char *name) {
    unsigned char req[6 + MAX_NAME];
    size_t len = strlen(name);
    memcpy(req, REQ_MAGIC, 4);
    req[4] = PROTO_VERSION;
    req[5] = (unsigned char)len;
    memcpy(req + 6, name, len);
    int fds[3] = {0, 1, 2};
    union {
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {req, 6 + len};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t w;
    do w = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)(6 + len)) {
        if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) return -1; /* a reply may wait */
        say("cannot send the request to nxp serve: ", w < 0 ? strerror(errno) : "short write", 0,
            0);
        return -1;
    }
    return 0;
}

static int name_ok(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 (i > 0 && (ch == '.' || ch == '_' || ch == '-'));
        if (!ok) return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    /* NextChat (node) may start us with signals ignored; ignored dispositions survive exec.
     * Their default action, ending this process, is what tells the runner to stop. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);

    const char *path = 0, *name = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "--socket=", 9) == 0)
            path = argv[i] + 9;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        } else if (argv[i][0] == '-' || name)
            return usage();
        else
            name = argv[i];
    }
    if (!path || !name) return usage();
    if (!name_ok(name)) {
        say("'", name, "' is not a plugin name ([a-z0-9][a-z0-9._-]{0,63})", 0);
        return 64;
    }

    int fd = connect_runner(path);
    if (fd < 0) return 69;
    /* A runner that refuses at once (uid not allowed, busy) may close before the request is
     * sent: its reply is still there to read. */
    int sent = send_request(fd, name);

    unsigned char head[REPLY_HEADER];
    if (read_full(fd, head, sizeof head) != 0 || memcmp(head, REPLY_MAGIC, 4) != 0 ||
        head[4] != PROTO_VERSION) {
        if (sent != 0) {
            say("nxp serve closed the connection before taking the request for ", name,
                " (see nxp serve's log)", 0);
            return 69;
        }
        say("nxp serve closed the connection without an exit status for ", name,
            " (see nxp serve's log)", 0);
        return 70;
    }
    size_t msglen = ((size_t)head[7] << 8) | head[8];
    char message[MAX_MESSAGE + 1];
    if (msglen > MAX_MESSAGE) msglen = MAX_MESSAGE;
    if (msglen > 0 && read_full(fd, (unsigned char *)message, msglen) != 0) msglen = 0;
    message[msglen] = '\0';
    for (size_t i = 0; i < msglen; i++)
        if ((unsigned char)message[i] < 0x20 || message[i] == 0x7f) message[i] = '?';
    int status = head[6];
    if (head[5] == 'R') {
        say("nxp serve refused to start ", name, ": ", msglen ? message : "no reason given");
        return status != 0 ? status : 69;
    }
    if (head[5] != 'X') {
        say("nxp serve sent an unknown reply for ", name, 0, 0);
        return 70;
    }
    return status;
}
