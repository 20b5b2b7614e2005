"""``python -m talkbalance`` runs the command-line interface."""
from talkbalance.cli.main import main

raise SystemExit(main())
