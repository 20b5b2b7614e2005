"""A trainee's progress over sessions (``talkbalance progress``): the session folders read and put in time order
(``sessions``), each session's figures (``figures``), the latest session against the ones before (``compare``),
and the files progress.csv (``table``), progress.png (``chart``) and progress.html (``page``), written together
(``files``).

May import ``core``, ``io``, ``report``, ``config`` and ``errors``; never ``live``, ``batch``, ``pipeline``, ``api``
or ``cli``. Matplotlib is imported only to draw progress.png.
"""
