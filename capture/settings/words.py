"""A broken rule in the words of where the user typed it: the window names the field by its
label, the command line by its flag. `ConfigError` itself only knows the field's name (the one
tests and the journal see), so both modes word it here and nowhere else."""

from __future__ import annotations

from capture.errors import ConfigError, sentence
from capture.settings import table

# Fields a ConfigError can name that no form row's label covers: the window's own controls
# and the run options a window never shows as flags.
_LABELS = {
    "source": "Source",
    "kind": "Storage",
    "storage": "Storage",
    "webhook_answer": "Answer",
    "data_dir": "Data folder",
    "events": "Events file",
    "count": "Rounds",
    "spool_cap_mb": "Spool cap",
    "spool_keep_mb": "Kept uploads",
    "keep_days": "Days kept",
    "drain_timeout": "Drain timeout",
    "session": "Session",
}

# Settings a headless run takes from somewhere other than a flag.
_ORIGINS = {
    "access_key": "the access key (AWS credential chain)",
    "secret_key": "the secret key (AWS credential chain)",
    "kind": "the storage flags",
    "storage": "the storage flags",
}


def label(field: str) -> str:
    """The label the window shows for `field`."""
    setting = table.by_field(field)
    if setting is not None and setting.label:
        return setting.label
    return _LABELS.get(field, field.replace("_", " ").capitalize())


def flag(field: str) -> str:
    """The flag (or the origin) a headless run takes `field` from."""
    setting = table.by_field(field)
    if setting is not None and setting.flag:
        return setting.flag
    if field in _ORIGINS:
        return _ORIGINS[field]
    dashed = "--" + field.replace("_", "-")
    known = {option.flag for option in table.RUN_OPTIONS}
    return dashed if dashed in known else field


def in_window(problem: ConfigError) -> str:
    """'Label: the rule (got ...).' for the form and the window's dialogs."""
    return sentence(f"{label(problem.field)}: {problem.rule}{problem.shown}")


def on_command_line(problem: ConfigError) -> str:
    """'--flag: the rule (got ...).' for the terminal."""
    return sentence(f"{flag(problem.field)}: {problem.rule}{problem.shown}")
