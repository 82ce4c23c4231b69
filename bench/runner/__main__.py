"""`python -m bench.runner`: what bench/run starts."""

import sys

from bench.runner.cli import main

sys.exit(main())
