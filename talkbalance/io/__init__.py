"""Files in and out: audio inputs (validation, channel picking, two files, blocks), the crash-safe WAV
recording, and the OUTPUTS.md session files.

May import ``core``, ``config``, ``errors`` and ``report`` (report.png is one of the outputs); never
``live`` or ``cli``.
"""
