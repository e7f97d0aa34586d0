"""Taking shots: when they are due (`scheduler`), turning a frame into a JPEG and a thumbnail
(`encoder`), and the capture session that spools and journals each shot and hands it on to
delivery (`session`).
"""
