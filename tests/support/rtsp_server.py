"""An RTSP camera for the tests: GStreamer's RTSP server streaming H.264 on 127.0.0.1.

Run by the system interpreter (`/usr/bin/python3 tests/support/rtsp_server.py`), which has
Debian's GStreamer bindings (python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-rtsp,
gstreamer1.0-plugins-ugly for x264enc); the project's virtualenv has no GObject. Prints the
stream's URL on one line once it listens, then serves until killed. Tests freeze it with
SIGSTOP, as a camera that hangs with its connections open.
"""

from __future__ import annotations

import ctypes
import signal

import gi  # type: ignore[import-not-found, unused-ignore]

# A live test pattern at 30 fps (FFmpeg's stream probe needs about a second of frames, so a
# slower rate makes opening slower), small so that encoding costs the tests nothing.
PIPELINE = (
    "( videotestsrc is-live=true pattern=ball"
    " ! video/x-raw,width=160,height=120,framerate=30/1"
    " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30"
    " ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)
PR_SET_PDEATHSIG = 1


def main() -> None:
    # Ends with the test process, even one killed before it could stop this server.
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer  # type: ignore[import-not-found, unused-ignore]

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")  # an ephemeral port, printed below
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    server.get_mount_points().add_factory("/stream", factory)
    server.attach(None)
    print(f"rtsp://127.0.0.1:{server.get_bound_port()}/stream", flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
