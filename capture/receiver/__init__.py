"""The embedded webhook: receiving notifications, checking and verifying them (`webhook`),
the answers a tester chooses (`answers`), and journaling them in group commits
(`groupcommit`).
"""
