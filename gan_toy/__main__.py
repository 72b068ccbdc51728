"""`python -m gan_toy ...`: see gan_toy/cli.py."""

import sys

from gan_toy.cli import main

sys.exit(main())
