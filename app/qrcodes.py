"""QR codes drawn as SVG (segno): the phone sign-in code of a screening and the kits' labels."""

from __future__ import annotations

import io


def svg(url: str) -> str:
    """A standalone SVG of a QR code for `url`, sized by its viewBox (the page's CSS scales it);
    its title is the address, for screen readers and for tests that follow the code."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", border=2, omitsize=True,
                                                  svgclass="qr", dark="#000", light="#fff", title=url)
    return out.getvalue().decode()
