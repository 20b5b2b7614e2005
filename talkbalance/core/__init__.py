"""The pure streaming core: blocks of N-channel audio in, talk spurts, events and figures out.

Everything here is numpy (and webrtcvad, soxr): no sound devices, plots, files or progress bars
(``SessionResult.to_annotation`` imports pyannote.core when called, and only then).
It may import ``talkbalance.config`` and ``talkbalance.errors``, and nothing else of talkbalance
outside ``core`` (``tests/test_layout.py`` reads the imports to make sure).
"""
