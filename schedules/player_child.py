"""The player process: libvlc in a process of its own, serving the protocol of
schedules/player_process.py on its stdin and stdout (`python -m schedules.player_child ARGS`)."""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time

from schedules.player_process import BEAT_S
from schedules.vlc_backend import Backend, EventSink, PlayerError, make_vlc_backend
from schedules.vlc_log import route_alsa


def _child_main(vlc_args: str) -> int:
    """Serve the protocol on the original stdout; libvlc's log messages go to the server as `log`
    events, and whatever else libvlc's libraries print goes to stderr."""
    protocol = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    out = threading.Lock()

    def send(message: dict) -> None:
        with out:
            protocol.write(json.dumps(message).encode() + b"\n")

    inbox: queue.Queue = queue.Queue()

    def log(level: str, module: str, message: str) -> None:
        # On a libvlc thread: only queue it; the command loop sends it to the server, which
        # logs it, rate-limited (schedules/vlc_log.py)
        inbox.put(("log", {"event": "log", "level": level, "module": module,
                           "message": message}))

    route_alsa(log)  # before libvlc loads its ALSA output
    backend = make_vlc_backend(vlc_args, on_log=log)
    send({"event": "ready", "available": backend.available, "reason": backend.unavailable_reason,
          "can_snapshot": backend.can_snapshot, "libvlc": _libvlc_version()})
    if not backend.available:
        return 0

    def read() -> None:
        for raw in sys.stdin.buffer:
            inbox.put(raw)
        inbox.put(None)

    threading.Thread(target=read, name="player-commands", daemon=True).start()
    state = {"load": None}

    def where() -> dict:
        return {"load": state["load"], "position_s": backend.position_s(),
                "length_s": backend.length_s()}

    def relay(load: int) -> EventSink:
        # On a libvlc thread: no libvlc call here (libvlc is not reentrant); the command loop
        # sends the event with the position it reads.
        return lambda kind, detail=None: inbox.put(("event", load, kind))

    next_beat = 0.0
    while True:
        try:
            raw = inbox.get(timeout=BEAT_S)
        except queue.Empty:
            raw = b""
        if raw is None:
            break
        if isinstance(raw, tuple) and raw[0] == "log":
            send(raw[1])
        elif isinstance(raw, tuple):
            _, load, kind = raw
            if load == state["load"]:
                send({"event": kind, **where()})
        elif raw.strip():
            message = json.loads(raw)
            if message.get("cmd") == "quit":
                if "id" in message:
                    send({"id": message["id"], "ok": True, "result": None})
                break
            send(_answer(backend, message, state, relay))
        if time.monotonic() >= next_beat:
            send({"event": "position", **where()})
            next_beat = time.monotonic() + BEAT_S
    backend.close()
    return 0


def _answer(backend: Backend, message: dict, state: dict, relay) -> dict:
    cmd, key = message.get("cmd"), message.get("id")
    try:
        result = None
        if cmd == "load":
            state["load"] = message["load"]
            backend.play(message["path"], relay(message["load"]))
        elif cmd == "play":
            backend.set_pause(False)
        elif cmd == "pause":
            backend.set_pause(True)
        elif cmd == "seek":
            backend.seek(float(message["seconds"]))
        elif cmd == "volume":
            backend.set_volume(int(message["volume"]))
        elif cmd == "stop":
            state["load"] = None
            backend.stop()
        elif cmd == "snapshot":
            result = backend.snapshot(message["path"])
        elif cmd == "status":
            result = {"position_s": backend.position_s(), "length_s": backend.length_s()}
        else:
            raise PlayerError(f"unknown command {cmd!r}")
    except Exception as exc:  # answered, so the parent's item ends with the reason
        return {"id": key, "ok": False, "error": str(exc) or type(exc).__name__}
    return {"id": key, "ok": True, "result": result}


def _libvlc_version() -> str | None:
    try:
        import vlc

        return vlc.libvlc_get_version().decode()
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1] if len(sys.argv) > 1 else ""))
