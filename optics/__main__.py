"""``python -m optics`` runs the command line."""

import sys

from optics.cli import main

sys.exit(main())
