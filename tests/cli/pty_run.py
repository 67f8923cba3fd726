#!/usr/bin/env python3
"""pty_run.py TRANSCRIPT [ANSWER...] -- CMD...

Runs CMD on a pseudo-terminal (stdin, stdout and stderr), as a person at a terminal would,
and answers its prompts: each time the output shows another prompt (a "[y/N] " question or a
"(Enter: none, cancel): " choice) the next ANSWER is typed, or an empty line once they run
out. Writes everything the terminal showed to TRANSCRIPT and exits with CMD's exit code
(124 when it has not finished within 120 seconds).
"""
import os
import pty
import select
import sys
import time

PROMPTS = (b"[y/N] ", b"(Enter: none, cancel): ")


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    transcript, answers, cmd = args[0], args[1:sep], args[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    asked = 0
    deadline = time.monotonic() + 120
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            open(transcript, "wb").write(out)
            sys.exit(124)
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            break
        out += chunk
        shown = sum(out.count(p) for p in PROMPTS)
        while asked < shown:
            answer = answers[asked] if asked < len(answers) else ""
            os.write(fd, answer.encode() + b"\n")
            asked += 1
    _, status = os.waitpid(pid, 0)
    open(transcript, "wb").write(out)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
