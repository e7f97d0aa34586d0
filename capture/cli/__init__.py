"""The command line: flags shared by the window and headless mode (`flags`), the exit statuses
of both (`exits`), and the headless runner with its progress lines (`headless`).
"""
