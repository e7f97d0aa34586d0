"""The real parts tests break things with, and the helpers that wait on them.

`loopback` (TCP servers, proxies, a server that never answers), `rawhttp` (a misbehaving HTTP
server, raw exchanges with the webhook), `camera` (an MJPEG stream), `media` (video files by
ffmpeg, an RTSP camera (`rtsp_server.py`, run by the system python3) and ffmpeg's MJPEG over
HTTP, frozen with SIGSTOP; a source run by its runner), `s3` (S3 errors, moto with IAM auth),
`servers` (moto's server, free ports), `notify` (the notifier alone), `engine` (the engine and
webhook run for a test, the journal read back), `processes` (`main.py` as a subprocess),
`events` (an event recorder to wait on), `imports` (what an import loads).
Fixtures built on them live in the `conftest.py` files.
"""
