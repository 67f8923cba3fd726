#!/usr/bin/env python3
"""pty_interrupt.py TRANSCRIPT -- CMD...

Runs CMD on a pseudo-terminal and, when it asks a question ("[y/N] "), types Ctrl-C (the
terminal sends SIGINT to CMD, as for a person at a terminal). Writes everything the terminal
showed to TRANSCRIPT and exits with CMD's exit code (124 when it has not finished within 60
seconds, 125 when it never asked).
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    transcript, cmd = args[0], args[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    sent = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
        if not sent and b"[y/N] " in out:
            os.write(fd, b"\x03")
            sent = True
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        open(transcript, "wb").write(out)
        sys.exit(124)
    _, status = os.waitpid(pid, 0)
    open(transcript, "wb").write(out)
    if not sent:
        sys.exit(125)
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
