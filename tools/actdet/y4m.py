"""A small YUV4MPEG2 (.y4m) writer and reader with exact integer colour conversion.

File layout (what we write, and the subset we read):
    header  "YUV4MPEG2 W<w> H<h> F<num>:<den> Ip A1:1 C420jpeg XCOLORRANGE=FULL\n"
    frames  "FRAME\n" followed by the Y plane (w*h bytes), then Cb, then Cr (each (w/2)*(h/2) bytes)
Width and height must be even. The reader accepts parameters after "FRAME" (skipped up to the newline)
and any header parameter order, but only 4:2:0 (C420jpeg, C420, C420paldv, C420mpeg2 or no C tag).

Colour (full-range BT.601, i.e. JFIF), computed in 16-bit fixed point so that any implementation using
the same integer formulas (Python here, C++ in vigil) produces bit-identical pixels:

  encode, per 2x2 block with RGB sums Sr, Sg, Sb of its four pixels (0..1020):
    Y  = (19595 R + 38470 G + 7471 B + 32768) >> 16                          per pixel
    Cb = 128 + ((-11059 Sr - 21709 Sg + 32768 Sb + 131072) >> 18)            per block
    Cr = 128 + (( 32768 Sr - 27439 Sg -  5329 Sb + 131072) >> 18)            per block
  decode, per pixel, with the chroma of its 2x2 block (nearest upsampling), d = Cb - 128, e = Cr - 128:
    R = Y + ((91881 e + 32768) >> 16)
    G = Y + ((-22554 d - 46802 e + 32768) >> 16)
    B = Y + ((116130 d + 32768) >> 16)
  every result clamped to 0..255; ">>" is an arithmetic (flooring) shift of a signed integer.
"""

import os

import numpy as np

MAGIC = b"YUV4MPEG2"


def rgb_to_yuv420(rgb: np.ndarray):
    """uint8 [H,W,3] RGB -> (Y [H,W], Cb [H/2,W/2], Cr [H/2,W/2]) uint8."""
    h, w, _ = rgb.shape
    if h % 2 or w % 2:
        raise ValueError(f"Y4M 4:2:0 needs even width and height, got {w}x{h}")
    c = rgb.astype(np.int32)  # every intermediate below stays under 2^31
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    y = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16
    s = c[0::2, 0::2] + c[0::2, 1::2] + c[1::2, 0::2] + c[1::2, 1::2]
    sr, sg, sb = s[..., 0], s[..., 1], s[..., 2]
    cb = 128 + ((-11059 * sr - 21709 * sg + 32768 * sb + 131072) >> 18)
    cr = 128 + ((32768 * sr - 27439 * sg - 5329 * sb + 131072) >> 18)
    return tuple(np.clip(p, 0, 255).astype(np.uint8) for p in (y, cb, cr))


def yuv420_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """Inverse of rgb_to_yuv420 (up to the 4:2:0 loss): uint8 planes -> uint8 [H,W,3] RGB."""
    h, w = y.shape
    d = cb.astype(np.int32) - 128
    e = cr.astype(np.int32) - 128
    # Chroma terms per 2x2 block, then added to each of the block's four luma samples.
    terms = np.stack([(91881 * e + 32768) >> 16, (-22554 * d - 46802 * e + 32768) >> 16, (116130 * d + 32768) >> 16], -1)
    out = y.astype(np.int32).reshape(h // 2, 2, w // 2, 2, 1) + terms[:, None, :, None, :]
    return np.clip(out, 0, 255).astype(np.uint8).reshape(h, w, 3)


def yuv420_roundtrip(rgb: np.ndarray) -> np.ndarray:
    """What a frame looks like after being stored in and read back from a Y4M file."""
    return yuv420_to_rgb(*rgb_to_yuv420(rgb))


class Y4MWriter:
    def __init__(self, path: str, width: int, height: int, fps_num: int, fps_den: int = 1):
        if width % 2 or height % 2:
            raise ValueError(f"Y4M 4:2:0 needs even width and height, got {width}x{height}")
        self.width, self.height = width, height
        self.frames = 0
        self._f = open(path, "wb")
        header = f"YUV4MPEG2 W{width} H{height} F{fps_num}:{fps_den} Ip A1:1 C420jpeg XCOLORRANGE=FULL\n"
        self._f.write(header.encode("ascii"))

    def write(self, rgb: np.ndarray) -> None:
        """Converts an RGB frame (uint8 [H,W,3]) and writes it."""
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise ValueError(f"frame must be uint8 [{self.height},{self.width},3], got {rgb.dtype} {rgb.shape}")
        self.write_planes(*rgb_to_yuv420(rgb))

    def write_planes(self, y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> None:
        h, w = self.height, self.width
        if y.shape != (h, w) or cb.shape != (h // 2, w // 2) or cr.shape != (h // 2, w // 2):
            raise ValueError(f"plane shapes {y.shape} {cb.shape} {cr.shape} do not match {w}x{h} 4:2:0")
        self._f.write(b"FRAME\n")
        for plane in (y, cb, cr):
            self._f.write(np.ascontiguousarray(plane, dtype=np.uint8).tobytes())
        self.frames += 1

    def close(self) -> None:
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Y4MReader:
    """Reads a whole .y4m file (memory-mapped); frame(i) decodes frame i to uint8 RGB."""

    def __init__(self, path: str):
        self.path = path
        size = os.path.getsize(path)
        self._data = np.memmap(path, dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
        end = self._find_newline(0, limit=1024)
        fields = bytes(self._data[:end]).decode("ascii").split(" ")
        if fields[0] != MAGIC.decode():
            raise ValueError(f"{path}: not a YUV4MPEG2 file")
        self.width = self.height = None
        self.fps = (0, 1)
        for field in fields[1:]:
            if not field:
                continue
            tag, value = field[0], field[1:]
            if tag == "W":
                self.width = int(value)
            elif tag == "H":
                self.height = int(value)
            elif tag == "F":
                num, den = value.split(":")
                self.fps = (int(num), int(den))
            elif tag == "C" and value not in ("420jpeg", "420", "420paldv", "420mpeg2"):
                raise ValueError(f"{path}: colour space C{value} is not supported (only 4:2:0)")
        if not self.width or not self.height or self.width % 2 or self.height % 2:
            raise ValueError(f"{path}: missing or odd W/H in the header")
        self._plane = self.width * self.height
        self._chroma = (self.width // 2) * (self.height // 2)
        # Frame offsets: scan the FRAME markers once (they may carry parameters, so lengths can vary).
        self._offsets = []
        pos = end + 1
        payload = self._plane + 2 * self._chroma
        while pos < len(self._data):
            if bytes(self._data[pos : pos + 5]) != b"FRAME":
                raise ValueError(f"{path}: expected FRAME at byte {pos}")
            start = self._find_newline(pos, limit=pos + 1024) + 1
            if start + payload > len(self._data):
                raise ValueError(f"{path}: truncated frame {len(self._offsets)}")
            self._offsets.append(start)
            pos = start + payload

    def _find_newline(self, start: int, limit: int) -> int:
        window = np.asarray(self._data[start : min(limit, len(self._data))])
        hits = np.flatnonzero(window == 0x0A)
        if not len(hits):
            raise ValueError(f"{self.path}: header line without newline at byte {start}")
        return start + int(hits[0])

    def __len__(self) -> int:
        return len(self._offsets)

    def frame(self, i: int) -> np.ndarray:
        o = self._offsets[i]
        w, h = self.width, self.height
        y = np.asarray(self._data[o : o + self._plane]).reshape(h, w)
        o += self._plane
        cb = np.asarray(self._data[o : o + self._chroma]).reshape(h // 2, w // 2)
        o += self._chroma
        cr = np.asarray(self._data[o : o + self._chroma]).reshape(h // 2, w // 2)
        return yuv420_to_rgb(y, cb, cr)

    def __iter__(self):
        for i in range(len(self)):
            yield self.frame(i)
