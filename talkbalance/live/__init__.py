"""A live session: capture (sounddevice or a timed replay), the recording and analysis threads, what is
settled, and the displays (the matplotlib window, the console status line).

May import ``core``, ``io``, ``report``, ``pipeline``, ``config`` and ``errors``; never ``cli``. Only ``capture``
imports sounddevice, and only when a device is opened.
"""
