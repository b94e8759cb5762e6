import sys

from corssim.cli import main

sys.exit(main())
