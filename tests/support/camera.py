"""An MJPEG camera over HTTP that can be stopped, restarted and frozen."""

from __future__ import annotations

import socket
import threading

import cv2
import numpy as np

from tests.support.loopback import LoopbackServer
from tests.support.rawhttp import read_request
from tests.support.waits import POLL_S


def jpeg_frame(index: int, size: tuple[int, int] = (160, 120)) -> bytes:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:, :, 1] = (index * 7) % 255
    cv2.putText(image, str(index), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
    return bytes(cv2.imencode(".jpg", image)[1].tobytes())


class MjpegServer(LoopbackServer):
    """multipart/x-mixed-replace JPEG frames, as IP cameras serve them, at about 20 fps (or
    `fps`: a slow camera, the first frame at once). `frozen` set: nothing more is sent (open
    connections stay open), as a hung camera does."""

    BOUNDARY = b"frame"

    def __init__(self, fps: float = 1 / POLL_S) -> None:
        super().__init__()
        self.frozen = threading.Event()
        self.frames_sent = 0
        self._period = 1 / fps

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def handle(self, conn: socket.socket) -> None:
        read_request(conn)
        if self.frozen.is_set():
            self.stopping.wait()
            return
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\n"
            b"Content-Type: multipart/x-mixed-replace; boundary=" + self.BOUNDARY + b"\r\n\r\n"
        )
        index = 0
        wait = 0.0  # the first frame at once, then one a period
        while not self.stopping.wait(wait):
            if self.frozen.is_set():
                wait = POLL_S  # to notice a thaw soon
                continue
            wait = self._period
            data = jpeg_frame(index)
            conn.sendall(
                b"--" + self.BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                b"Content-Length: %d\r\n\r\n" % len(data) + data + b"\r\n"
            )
            index += 1
            self.frames_sent += 1
