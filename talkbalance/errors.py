"""The one exception type for user mistakes: the CLI prints its message, no traceback."""


class UserError(Exception):
    """Bad input or arguments; the message is one sentence naming the file, the problem and the fix."""
