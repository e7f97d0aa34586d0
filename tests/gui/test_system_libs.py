"""Before Qt starts: a missing library of the xcb plugin is named, with the command that
installs it, instead of Qt's own abort."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gui import system_libs
from gui.system_libs import advice, check_before_qt, not_found, xcb_plugin

GONE = "libshothook-gone.so.1"


def test_ldd_output_gives_the_missing_sonames_once_in_order() -> None:
    output = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibxcb-cursor.so.0 => not found\n"
        "\tlibQt6Gui.so.6 => /opt/Qt/lib/libQt6Gui.so.6 (0x00007f)\n"
        "\tlibxkbcommon-x11.so.0 => not found\n"
        "\tlibxcb-cursor.so.0 => not found\n"
    )
    assert not_found(output) == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]


def test_the_advice_names_the_libraries_and_the_packages_to_install() -> None:
    text = advice(["libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libodd.so.7"])
    assert "libxcb-cursor.so.0, libxkbcommon-x11.so.0, libodd.so.7" in text
    assert "sudo apt-get install -y libxcb-cursor0 libxkbcommon-x11-0" in text
    assert "libodd.so.7" in text.splitlines()[2]  # no package known: named as it is
    assert "--headless" in text


def test_a_plugin_whose_library_is_gone_is_caught_before_qt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real shared object linked against a library that is then removed, so the dynamic
    linker (through ldd) finds it missing, as on a machine without the package. (A name no
    system has: every real xcb library is installed here.)"""
    monkeypatch.setitem(system_libs.DEBIAN_PACKAGES, GONE, "libshothook-gone1")
    gcc = shutil.which("gcc")
    if gcc is None or shutil.which("ldd") is None:
        pytest.skip("needs gcc and ldd to build and inspect a shared object")
    stub_src, plugin_src = tmp_path / "stub.c", tmp_path / "plugin.c"
    stub_src.write_text("int shothook_stub(void) { return 1; }\n")
    plugin_src.write_text(
        "int shothook_stub(void);\nint plugin(void) { return shothook_stub(); }\n"
    )
    stub = tmp_path / GONE
    plugin = tmp_path / "libqxcb.so"
    build = [gcc, "-shared", "-fPIC", f"-Wl,-soname,{GONE}", "-o", str(stub)]
    subprocess.run([*build, str(stub_src)], check=True, capture_output=True)
    link = [gcc, "-shared", "-fPIC", "-o", str(plugin), str(plugin_src), str(stub)]
    subprocess.run(link, check=True, capture_output=True)
    stub.unlink()

    message = check_before_qt(plugin)
    assert GONE in message
    assert "sudo apt-get install -y libshothook-gone1" in message


def test_this_machines_qt_has_every_library_it_needs() -> None:
    plugin = xcb_plugin()
    if plugin is None:
        pytest.skip("PySide6 ships no xcb plugin here")
    assert check_before_qt(plugin) == ""
