"""libvlc media for a video inside a disc image (media_index/iso.py), read through callbacks.

libvlc 3 cannot open a file inside an ISO 9660 image: its archive extractor does not take ISO,
`dvd://` needs a real DVD structure (IFO files) and `vcd://` a raw CD (2352-byte sectors), not
a 2048-byte ISO image. A file inside an image is one byte range of it, so the player hands
libvlc that range through `libvlc_media_new_callbacks`, the way it would read the file itself.

The callbacks are made once per process and find their stream by the opaque key libvlc passes
back; they never call libvlc (it is not reentrant from its own threads).
"""

from __future__ import annotations

import ctypes
import itertools
import threading

from media_index.iso import open_part

_streams: dict[int, object] = {}  # key -> the member path, then its open RangeFile
_lock = threading.Lock()
_keys = itertools.count(1)
_callbacks: tuple | None = None


def _make_callbacks() -> tuple:
    import vlc

    @vlc.CallbackDecorators.MediaOpenCb
    def on_open(opaque, datap, sizep):
        key = opaque or 0
        with _lock:
            path = _streams.get(key)
        try:
            stream = open_part(path)
        except (OSError, TypeError):
            return -1
        with _lock:
            _streams[key] = stream
        datap.contents.value = key
        sizep.contents.value = stream.seek(0, 2)
        stream.seek(0)
        return 0

    @vlc.CallbackDecorators.MediaReadCb
    def on_read(opaque, buf, size):
        stream = _streams.get(opaque or 0)
        if stream is None or isinstance(stream, (str, bytes)):
            return -1
        try:
            data = stream.read(size)
        except OSError:
            return -1
        ctypes.memmove(buf, data, len(data))
        return len(data)

    @vlc.CallbackDecorators.MediaSeekCb
    def on_seek(opaque, offset):
        stream = _streams.get(opaque or 0)
        if stream is None or isinstance(stream, (str, bytes)):
            return -1
        stream.seek(offset)
        return 0

    @vlc.CallbackDecorators.MediaCloseCb
    def on_close(opaque):
        with _lock:
            stream = _streams.pop(opaque or 0, None)
        if stream is not None and not isinstance(stream, (str, bytes)):
            stream.close()

    return on_open, on_read, on_seek, on_close


def media_in_image(instance, path: str | bytes):
    """A libvlc media playing the member `path` of a disc image (None if libvlc refuses)."""
    global _callbacks
    with _lock:
        if _callbacks is None:
            _callbacks = _make_callbacks()
        key = next(_keys)
        _streams[key] = path
    return instance.media_new_callbacks(*_callbacks, ctypes.c_void_p(key))
