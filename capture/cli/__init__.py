"""The command line: flags shared by the window and headless mode (`flags`), and the headless
runner with its exit codes and progress lines (`headless`).
"""
