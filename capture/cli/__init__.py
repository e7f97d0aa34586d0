"""The command line: flags shared by the window and headless mode (`flags`), every event told
as one line of words (`wording`, used by the terminal, the log and the window), and the
headless runner with its exit codes (`headless`).
"""
