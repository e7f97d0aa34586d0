"""Before Qt starts on Linux: are the system libraries its xcb plugin needs there?

Without them Qt aborts with its own message ("Could not load the Qt platform plugin xcb ...
Reinstalling the application may fix this problem"), which sends a new user nowhere. The
plugin's own dependencies are read with `ldd` (what the dynamic linker would load, so the list
cannot go stale when PySide6 changes), and each missing one is named with the Debian/Ubuntu
package that ships it. Imports no Qt: it runs before the first Qt import.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# The package that ships each library the xcb plugin links (Debian 12, Ubuntu 22.04 and later).
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}
LDD_TIMEOUT_S = 10.0


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, if PySide6 is installed where Python finds it."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(binary: Path) -> list[str]:
    """The shared libraries `binary` needs that the dynamic linker cannot find, by soname
    ([] when ldd is not there to ask: Qt will say for itself)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        done = subprocess.run(
            [ldd, str(binary)], capture_output=True, text=True, timeout=LDD_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return not_found(done.stdout)


def not_found(ldd_output: str) -> list[str]:
    """The sonames ldd reported as "not found", in its order, each once."""
    missing: list[str] = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition("=>")
        soname = name.strip()
        if where.strip() == "not found" and soname not in missing:
            missing.append(soname)
    return missing


def advice(missing: list[str]) -> str:
    """One message naming what is missing and the command that installs it."""
    packages = sorted({DEBIAN_PACKAGES[name] for name in missing if name in DEBIAN_PACKAGES})
    unknown = [name for name in missing if name not in DEBIAN_PACKAGES]
    lines = [
        "shothook: the window cannot open: Qt's X11 (xcb) platform needs system libraries that"
        f" are missing: {', '.join(missing)}."
    ]
    if packages:
        lines.append(f"On Debian or Ubuntu: sudo apt-get install -y {' '.join(packages)}")
    if unknown:
        lines.append(f"Install the packages that provide: {', '.join(unknown)}.")
    lines.append("Or run without a window: uv run main.py --headless")
    return "\n".join(lines)


def wants_xcb() -> bool:
    """Qt would load its xcb plugin: Linux, xcb asked for, or no platform asked for outside a
    Wayland session (where Qt takes its Wayland plugin, which needs none of these)."""
    if not sys.platform.startswith("linux"):
        return False
    asked = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0]
    if asked:
        return asked == "xcb"
    return not os.environ.get("WAYLAND_DISPLAY")


def check_before_qt(plugin: Path | None = None) -> str:
    """ "" when the window can start; otherwise the message to print."""
    if plugin is None:
        if not wants_xcb():
            return ""
        plugin = xcb_plugin()
        if plugin is None:
            return ""
    missing = missing_libraries(plugin)
    return advice(missing) if missing else ""
