"""supervisord event listener for ``make run``: prints every program's output on
the terminal, one line at a time, prefixed with the program's name (as honcho
did). supervisord itself has no such option: it writes a program's output to a
file or, unprefixed, to its own stdout.

Wired in flowdeck/supervisord.conf (``events=PROCESS_LOG``). Our stdout is
supervisord's event protocol, so the lines go to stderr, which the config
sends to supervisord's stdout.
"""
from __future__ import annotations

import sys

from supervisor import childutils

WIDTH = len("scheduler")


def main() -> None:
    # The header's len counts characters of UTF-8 text (supervisor's own encoding).
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stderr.reconfigure(encoding="utf-8", errors="replace")
    partial: dict[str, str] = {}  # a program's unfinished last line: output arrives in chunks
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        if headers["eventname"].startswith("PROCESS_LOG"):
            fields, data = childutils.eventdata(payload)
            name = fields["processname"]
            *lines, partial[name] = (partial.get(name, "") + data).split("\n")
            for line in lines:
                sys.stderr.write(f"{name:<{WIDTH}} | {line}\n")
            sys.stderr.flush()
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
