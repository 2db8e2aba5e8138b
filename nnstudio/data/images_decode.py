"""Decoding one picture file with Pillow straight into its slot of the data set's uint8 array."""
from __future__ import annotations

import numpy as np

#: What Pillow is allowed to decode (it then tries no other format: faster, and safer).
FORMATS = ("PNG", "JPEG", "BMP", "GIF")
#: Resampling when a picture changes size: bilinear, after a fast box reduction for pictures
#: more than twice the target size (Pillow's ``reducing_gap``), which keeps big photos from
#: aliasing and is faster than a bilinear filter over every source pixel.
REDUCING_GAP = 2.0


def decode_into(path: str, out: np.ndarray, grey: bool) -> bool:
    """Decode ``path``, convert and resize it, and write it into ``out``.

    Parameters
    ----------
    path : str
        A PNG, JPEG, BMP or GIF file (the first frame of an animation).
    out : ndarray of uint8, shape (H, W, C)
        C = 1 with ``grey``, else 3. Transparent parts are put over white (a transparent
        background is white in every viewer people drew on).
    grey : bool

    Returns
    -------
    bool
        False when the file cannot be decoded (damaged, cut short): ``out`` is then undefined.
    """
    from PIL import Image

    h, w, _ = out.shape
    mode = "L" if grey else "RGB"
    try:
        with Image.open(path, formats=FORMATS) as img:
            turn = None
            if img.format == "JPEG":
                # A phone stores a portrait photo sideways with an EXIF note to turn it; a
                # person sees it turned, so the network must too.
                turn = _TURNS.get(img.getexif().get(_ORIENTATION, 1))
                # Decode at 1/2, 1/4 or 1/8 scale when the target is that much smaller: the
                # JPEG decoder then skips most of the work.
                img.draft(mode, (h, w) if turn in _SWAPS else (w, h))
            img = _flatten(img, mode)
            if turn is not None:
                img = img.transpose(turn)
            if img.size != (w, h):
                img = img.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=REDUCING_GAP)
            out[...] = np.asarray(img).reshape(h, w, -1)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return False
    return True


def _turns() -> dict:
    from PIL import Image

    t = Image.Transpose
    # EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
    return {2: t.FLIP_LEFT_RIGHT, 3: t.ROTATE_180, 4: t.FLIP_TOP_BOTTOM, 5: t.TRANSPOSE,
            6: t.ROTATE_270, 7: t.TRANSVERSE, 8: t.ROTATE_90}


def _flatten(img, mode: str):
    """``img`` in ``mode`` ("L" or "RGB"), with any transparency put over white."""
    from PIL import Image

    if img.mode == mode:
        return img
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        img = white
    return img.convert(mode)


_ORIENTATION = 0x0112  # the EXIF tag
_TURNS = _turns()
#: Turns that swap width and height.
_SWAPS = {_TURNS[k] for k in (5, 6, 7, 8)}
