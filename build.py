#!/usr/bin/env python3
"""Build the yearbook: `python build.py [build|check] [--content DIR] [--output DIR] [--only html|pdf]`."""
import sys

try:
    from yearbook.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still loading: nothing was started, nothing written
    print("interrupted; the previous output is unchanged.", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
