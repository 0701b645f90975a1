"""gensim's training callbacks: objects with any of ``on_train_begin``, ``on_epoch_begin``,
``on_epoch_end`` and ``on_train_end``, each called with the model (gensim's ``CallbackAny2Vec``
objects work as they are: only the methods are looked up)."""

from fastw2v.errors import ConfigError

EVENTS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


def checked_callbacks(callbacks):
    """`callbacks` as a tuple, each checked to have at least one of `EVENTS`.

    Args:
        callbacks: None, or an iterable of callback objects.
    Raises:
        ConfigError: not an iterable, or an item with none of the methods (named by position).
    """
    if callbacks is None:
        return ()
    if hasattr(callbacks, "on_epoch_end") or not hasattr(callbacks, "__iter__"):
        raise ConfigError(f"callbacks must be a list of callback objects, got {callbacks!r}")
    found = tuple(callbacks)
    for position, callback in enumerate(found):
        if not any(callable(getattr(callback, event, None)) for event in EVENTS):
            raise ConfigError(f"callbacks[{position}] ({type(callback).__name__}) has none of the "
                              f"callback methods {', '.join(EVENTS)}")
    return found


def fire(callbacks, event, model):
    """Call `event` (one of EVENTS) on every callback that has it, in order, with `model`."""
    for callback in callbacks:
        method = getattr(callback, event, None)
        if callable(method):
            method(model)
