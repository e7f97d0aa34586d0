"""Taking shots: when they are due (`scheduler`), turning a frame into a JPEG and a thumbnail
(`encoder`), and the capture session that spools and journals each shot and hands it on to
delivery (`session`), with its counters (`progress`), its ledger of shots in flight (`ledger`)
and the resuming of shots earlier sessions left unfinished (`resume`).
"""
