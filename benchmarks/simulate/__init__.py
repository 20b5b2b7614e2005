"""Two-person headset conversations with exact reference activity, for benchmarks.

    python -m benchmarks.simulate --out DIR [--seeds 0 1 2] [--duration 180] [--bleed-db -18]
                                  [--noise-dbfs -60] [--rate 16000] [--data ../shared/data/librispeech_dev]

Phrases of two read-speech speakers (LibriSpeech) are placed on two tracks by a turn-taking script
whose timing follows the published norms; each person's headset mic hears their own voice plus the
partner's, delayed, slightly low-passed and ``bleed_db`` lower, times the mic gain, plus the mic's
own pinkish noise; the reference talk spurts are exact, from the placed clean voices. The script
depends only on the seed, the bank, ``duration_s`` and ``turn_taking``, so one seed gives the same
conversation through different headsets. One module per job, each with the details in its docstring:

- ``common``: the 10 ms frame grid at 16 kHz, frame power and levels, the METRICS 1.4 smoothing
  lengths and the seed's independent random streams;
- ``bank``: ``PhraseBank``, real speech cut into gated, normalised phrases and backchannel tokens;
- ``script``: ``TurnTaking`` and the turn-taking script (who says what when), ``plan_script``;
- ``acoustics``: the headset mics (``Channel``: bleed path, gain, pink noise) and ``true_peak``;
- ``reference``: the exact reference talk spurts and the files of a session (``write_reference``);
- ``conversation``: ``simulate`` and ``SimConversation``: the mix, headroom, output rate and noise;
- ``__main__``: the command line above.

The names that other modules and the tests import are re-exported here, private helpers included
(``benchmarks.rooms`` and ``benchmarks.single`` build on them).
"""
from benchmarks.simulate.acoustics import (
    BLEED_BETA,
    BLEED_TAPS,
    Channel,
    _draw_channels,
    band_edge,
    bleed_filter,
    bleed_paths,
    pink_noise,
    true_peak,
)
from benchmarks.simulate.bank import (
    AUDIO_EXTENSIONS,
    CUT_SILENCE_S,
    DIP_DEPTH_DB,
    DIP_REACH_FRAMES,
    FADE_S,
    FLOOR_MARGIN_DB,
    FLOOR_PERCENTILE,
    MAX_TOKENS,
    MIN_PHRASE_S,
    MIN_SNR_DB,
    PAD_S,
    PHRASE_PEAK,
    SEGMENT_DBFS,
    SILENCE_BELOW_P95_DB,
    TARGET_DBFS,
    TOKEN_S,
    Item,
    PhraseBank,
    _dips,
    _fade,
    _limit,
    _normalise,
    _pad_frames,
    _segments,
    _tokens,
    analyse,
    cut_phrases,
    truncate,
)
from benchmarks.simulate.common import (
    FRAME,
    FRAME_S,
    MIN_PAUSE_FRAMES,
    MIN_SPURT_FRAMES,
    RATE,
    _db,
    _frame_power,
    _frames,
    _streams,
)
from benchmarks.simulate.conversation import PEAK_TARGET, SimConversation, simulate
from benchmarks.simulate.reference import NAMES, REF_FLOOR_DBFS, REF_MARGIN_DB, reference_spurts, write_reference
from benchmarks.simulate.script import KINDS, TurnTaking, _Placed, _plan, _Script, placed_voices, plan_script

__all__ = [
    # common
    "FRAME", "FRAME_S", "MIN_PAUSE_FRAMES", "MIN_SPURT_FRAMES", "RATE", "_db", "_frame_power", "_frames", "_streams",
    # bank
    "AUDIO_EXTENSIONS", "CUT_SILENCE_S", "DIP_DEPTH_DB", "DIP_REACH_FRAMES", "FADE_S", "FLOOR_MARGIN_DB",
    "FLOOR_PERCENTILE", "MAX_TOKENS", "MIN_PHRASE_S", "MIN_SNR_DB", "PAD_S", "PHRASE_PEAK", "SEGMENT_DBFS",
    "SILENCE_BELOW_P95_DB", "TARGET_DBFS", "TOKEN_S", "Item", "PhraseBank", "_dips", "_fade", "_limit", "_normalise",
    "_pad_frames", "_segments", "_tokens", "analyse", "cut_phrases", "truncate",
    # script
    "KINDS", "TurnTaking", "_Placed", "_Script", "_plan", "placed_voices", "plan_script",
    # acoustics
    "BLEED_BETA", "BLEED_TAPS", "Channel", "_draw_channels", "band_edge", "bleed_filter", "bleed_paths", "pink_noise",
    "true_peak",
    # reference
    "NAMES", "REF_FLOOR_DBFS", "REF_MARGIN_DB", "reference_spurts", "write_reference",
    # conversation
    "PEAK_TARGET", "SimConversation", "simulate",
]
