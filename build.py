#!/usr/bin/env python3
"""Build the yearbook: `python build.py [build|check] [--content DIR] [--output DIR] [--only html|pdf]`."""
import sys

from yearbook.cli import main

if __name__ == "__main__":
    sys.exit(main())
