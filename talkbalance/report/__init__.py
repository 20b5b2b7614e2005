"""Pictures of a session: ``png`` draws ``report.png``; ``style`` holds the look the live window shares with it
(speaker colours, lanes, fonts, marks, legend pieces).

May import ``core``, ``config`` and ``errors``; never ``io``, ``live`` or ``cli``.
"""
