"""``python -m optics`` runs the command line."""

import sys

try:
    from optics.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries load: one line, not a traceback
    print("optics: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
