"""The timeline: workers reading the journal (`feed`), Qt's item model of its rows (`model`),
the panel with counters and filters (`view`), and the selected row in full (`detail`).
"""
