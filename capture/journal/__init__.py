"""The journal in SQLite: what every session, shot, upload, attempt and callback did. The
engine's threads write through `writer` (with the `records` it takes and returns); the window
reads its own connection through `reader`, which aggregates the timeline's rows. `schema`
opens the file and upgrades it; `states` holds a shot's states and the conditions on them.
"""
