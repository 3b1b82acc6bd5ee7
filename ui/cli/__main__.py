"""``python -m ui.cli``: the same as the ``newsrag`` command."""

from ui.cli.parser import main

raise SystemExit(main())
