"""The errors a user can cause. Each message is one sentence naming the file, the problem and the fix.

Messages name parameters as the Python API spells them, in backquotes (`channels`); the command
line turns those names into its flags (``cli.main.FLAGS``).
"""


class TalkbalanceError(Exception):
    """A mistake in what talkbalance was given; the CLI prints the message, no traceback."""


class InputError(TalkbalanceError):
    """An input recording or session folder is missing, unreadable or of the wrong layout."""


class ConfigError(TalkbalanceError):
    """A setting, config file or option value is not valid."""


class DeviceError(TalkbalanceError):
    """A sound device cannot be found, opened or used."""


class OutputError(TalkbalanceError):
    """The results cannot be written, or would replace what must not be lost."""

    ELSEWHERE = "choose another `out_dir` folder or free some disk space."

    @classmethod
    def from_os_error(cls, folder: object, doing: str, exc: OSError, fix: str = ELSEWHERE) -> "OutputError":
        """``<folder>: <doing> (<the system's reason>); <fix>``."""
        return cls(f"{folder}: {doing} ({exc.strerror or exc}); {fix}")
