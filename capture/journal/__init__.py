"""The journal in SQLite: what every session, shot, upload, attempt and callback did. The
engine's threads write through `writer`; the window reads its own connection through
`reader`, which aggregates the timeline's rows.
"""
