"""`python -m miner` runs the CLI. Imports: `miner.cli` (the only module that may)."""

from miner.cli import main

raise SystemExit(main())
