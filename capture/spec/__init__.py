"""What the spec prescribes (docs/spec/screenshot-upload.md), as code: object keys, sids and
requestIds (`naming`), the notification body and its checksum (`payload`), the price of the
service (`pricing`). Imports nothing else of ShotHook's, so every other stage can rely on it.
"""
