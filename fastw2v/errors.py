"""The project's error types: every failure a user can cause is one of these, with a message that
says what to do."""


class FastW2VError(Exception):
    """Base class of every error fastw2v raises on bad input or a failed operation."""


class DatasetError(FastW2VError):
    """A corpus or dataset file is missing, unreadable or malformed."""


class ConfigError(FastW2VError, ValueError):
    """A setting is out of range or inconsistent with another setting."""


class OutputError(FastW2VError):
    """An output file could not be written; any previous file at that path is left untouched."""


class FormatError(FastW2VError):
    """A vector or model file is missing, unreadable, malformed, or in no format fastw2v reads."""


class ClusterError(FastW2VError):
    """The Dask cluster is missing, unreachable, or lost during a run (the message says what to do)."""


class DeviceError(FastW2VError):
    """The GPU asked for is missing or unusable (no driver, no device, not enough memory)."""


class InputWarning(UserWarning):
    """Input that fastw2v reads anyway, with a caveat (bytes that are not UTF-8, for example)."""
