"""Exports of the journal's exchanges: HAR 1.2, JSON lines, a curl script (and one exchange as
a curl command for the window's Copy as curl). Qt-free; secrets never go out."""
