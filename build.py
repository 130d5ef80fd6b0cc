#!/usr/bin/env python3
"""Build the yearbook: `python build.py [build|check] [--content DIR] [--output DIR] [--only html|pdf]`."""
import signal
import sys

try:
    from yearbook.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still loading: nothing was started, nothing written
    print("interrupted; the previous output is unchanged.", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    try:
        code = main()
    except KeyboardInterrupt:  # before a build began (main handles Ctrl-C during and after one)
        print("interrupted; the previous output is unchanged.", file=sys.stderr)
        code = 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a late Ctrl-C must not turn the exit status into a crash
    sys.exit(code)
