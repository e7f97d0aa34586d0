"""The user's settings: their typed model with the spec's rules (`model`) and where they
persist between runs, with the S3 secret key kept apart (`store`).
"""
