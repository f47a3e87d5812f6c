"""Run the command line: python -m phm ..."""

from phm.cli import main

raise SystemExit(main())
