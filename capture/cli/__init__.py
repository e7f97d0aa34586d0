"""The command line: flags shared by the window and headless mode (`flags`), the exit statuses
of both (`exits`), every event told as one line of words (`wording`, used by the terminal, the
log and the window), and the headless runner (`headless`).
"""
