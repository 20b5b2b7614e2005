"""Pictures of a session: ``report.png`` and the style the live window shares with it.

May import ``core``, ``config`` and ``errors``; never ``io``, ``live`` or ``cli``.
"""
