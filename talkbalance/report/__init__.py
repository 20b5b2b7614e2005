"""Pictures of a session: ``png`` draws ``report.png``, ``html`` writes the interactive page ``report.html`` (with its
``review.js`` and ``review.css``, inlined); ``style`` holds the look the live window shares with them (speaker
colours, lanes, fonts, marks, legend pieces).

May import ``core``, ``config`` and ``errors``; never ``io``, ``live`` or ``cli``.
"""
