"""Getting each shot out: uploads from the spool to the storage (`uploads`), notifications to
the webhook under the spec's delivery rules (`sender`, run concurrently by `notifier`), and
blocking calls a loop can stop waiting for (`abandonable`).
"""
