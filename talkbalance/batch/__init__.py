"""Corpus runs (``talkbalance batch``): sessions found in folders or listed in a manifest, analysed in worker
processes or as tasks on a Dask cluster, into one folder per session and two corpus tables.

May import ``core``, ``io``, ``api``, ``config`` and ``errors``; never ``live`` or ``cli`` (no progress bars:
the caller gets a callback per session). Dask is imported only when a scheduler is given.
"""
