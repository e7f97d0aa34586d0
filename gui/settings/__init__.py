"""The settings sidebar: the form over one typed `Settings` (`form`), its Capture, Storage and
Webhook tabs, and the labelled fields with their inline errors (`fields`).
"""
