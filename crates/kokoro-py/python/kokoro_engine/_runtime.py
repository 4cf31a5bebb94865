"""The ONNX Runtime library of the ``onnxruntime`` package, for the engine.

The wheel depends on ``onnxruntime`` (PyPI), whose package holds the runtime's shared library
(``onnxruntime/capi/libonnxruntime.so.<version>``, from 1.19 on). The engine opens that library
itself, so the model directory needs no copy. It is found here without importing
``onnxruntime``'s Python module (``importlib.util.find_spec`` only locates the package), and
handed to the engine at import.

Where the engine takes the library from, first match wins:

1. ``configure(runtime_library=...)``, else the ``ORT_DYLIB_PATH`` environment variable;
2. the ``onnxruntime`` package of this environment (this module);
3. the model directory: the library ``manifest.json`` names, else the newest
   ``onnxruntime/libonnxruntime.so*`` (what ``kokoro fetch-model`` installs);
4. ``libonnxruntime.so`` through the system's loader.

A package library whose version is outside the range the engine runs on
(``ONNXRUNTIME_REQUIREMENT``) is refused before it is opened, with the ``pip install`` that fixes it.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re

#: ``libonnxruntime.so``, ``libonnxruntime.so.1.22.1`` (Linux), ``libonnxruntime.1.22.1.dylib``
#: (macOS), ``onnxruntime.dll`` (Windows); not the providers' libraries.
_LIBRARY = re.compile(
    r"^(?:lib)?onnxruntime(?:\.so(?:\.(?P<so>\d+(?:\.\d+)*))?|(?:\.(?P<dylib>\d+(?:\.\d+)*))?\.dylib|\.dll)$"
)


def library_version(name: str) -> tuple[bool, str | None]:
    """Whether ``name`` is an ONNX Runtime library's file name, and the version in it, if any:
    ``libonnxruntime.so.1.22.1`` -> ``(True, "1.22.1")``, ``libonnxruntime.so`` -> ``(True, None)``,
    ``libonnxruntime_providers_shared.so`` -> ``(False, None)``."""
    match = _LIBRARY.match(name)
    if match is None:
        return False, None
    return True, match.group("so") or match.group("dylib")


def _order(version: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")) if version else ()


def package_library() -> tuple[str, str | None] | None:
    """The ``onnxruntime`` package's runtime library and the version in its file name (the
    newest, should there be several), or None when the package is not installed or holds none."""
    try:
        spec = importlib.util.find_spec("onnxruntime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    found = []
    for location in spec.submodule_search_locations:
        capi = pathlib.Path(location) / "capi"
        try:
            entries = list(capi.iterdir())
        except OSError:
            continue
        for entry in entries:
            is_library, version = library_version(entry.name)
            if is_library and entry.is_file():
                found.append((_order(version), str(entry), version))
    if not found:
        return None
    _, path, version = max(found)
    return path, version
