"""``python -m talkbalance`` runs the command-line interface."""
from talkbalance.cli import main

raise SystemExit(main())
