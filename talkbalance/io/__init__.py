"""Files in and out: audio inputs (``inputs`` opens one or two files as a session, ``readers`` opens each with
soundfile or else PyAV, ``decoded`` streams PyAV's decode, ``validate`` checks them, ``blocks`` reads, converts,
resamples and aligns their streams), the WAV files (``wav``: the crash-safe recording, its repair, header
parsing), the OUTPUTS.md session files, and the recording report.html plays (``review_audio``: a relative link,
or a compressed copy).

May import ``core``, ``config``, ``errors`` and ``report`` (report.png is one of the outputs); never
``live`` or ``cli``.  The only layer that imports ``av`` (PyAV).
"""
