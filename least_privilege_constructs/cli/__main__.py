"""``python -m least_privilege_constructs.cli``."""

import sys

from least_privilege_constructs.cli.main import main

sys.exit(main())
