"""The user's settings: every setting and flag declared once (`table`), the spec's rules as
checks naming the field (`rules`), the typed model they make (`model`), and where settings
persist between runs, with the S3 secret key kept apart (`store`).
"""
