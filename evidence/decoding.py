"""How many bytes a PDF stream decodes to, found by decoding it in pieces and stopping at a limit.

A PDF stream's data passes through a chain of filters (``/Filter [/FlateDecode /FlateDecode]``).
Each general-purpose filter (Flate, LZW, RunLength, ASCIIHex, ASCII85) can multiply the data:
one Flate layer about a thousandfold, three nested layers turn 1.6 KB into 64 GiB (a
decompression bomb). :func:`decoded_size` decodes the chain piece by piece, never holding more
than about 1 MiB per filter, counts what comes out of the last general-purpose filter and stops
as soon as the count passes the limit, so that a bomb is refused after decoding no more than
the limit and a legitimate stream is measured exactly.

Image codecs (DCT = JPEG, JPX = JPEG 2000, JBIG2, CCITT fax) end the chain: this package never
decodes their pixels (it copies image data as it is), so what enters them is what is counted.
Predictors (``/DecodeParms /Predictor``) are ignored: they never make data longer.

Standard library only; :mod:`evidence.pdf` walks the streams of a PDF and calls this.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Decoded", "IMAGE_FILTERS", "GENERAL_FILTERS", "decoded_size"]

#: Largest piece (bytes) a filter hands on at a time.
CHUNK = 1 << 20

#: Filters that end the chain: their output is pixels, never decoded by this package.
IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"})


@dataclass(frozen=True)
class Decoded:
    """What decoding one stream's general-purpose filters gave.

    Attributes:
        size: bytes out of the last general-purpose filter (0 when the stream has none);
            when ``exceeded``, the count at which decoding stopped (above the limit).
        exceeded: decoding stopped because ``size`` passed the limit.
        error: why the data cannot be decoded (corrupt data, unknown filter), else None; ``size``
            is then what was decoded before the fault.
    """

    size: int
    exceeded: bool = False
    error: str | None = None


class _Exceeded(Exception):
    pass


class _Flate:
    def __init__(self, parms: Mapping | None) -> None:
        self._inflate = zlib.decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        inflate = self._inflate
        while not inflate.eof:  # data after the end of the Flate stream is ignored, as readers do
            out = inflate.decompress(data, CHUNK)
            data = inflate.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < CHUNK:  # all input taken and nothing left pending
                return

    def end(self) -> Iterator[bytes]:
        return iter(())  # a stream cut short of its end marker: readers show what was decoded


class _LZW:
    """LZW as PDF uses it: 9- to 12-bit codes, most significant bit first, 256 clears the
    table, 257 ends the data; ``/EarlyChange`` (default 1) widens codes one entry early."""

    def __init__(self, parms: Mapping | None) -> None:
        early = parms.get("/EarlyChange", 1) if parms else 1
        self._early = 0 if early == 0 else 1
        self._bits = 0
        self._nbits = 0
        self._done = False
        self._reset()

    def _reset(self) -> None:
        self._table = [bytes((i,)) for i in range(256)] + [b"", b""]
        self._width = 9
        self._previous: bytes | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = bytearray()
        bits, nbits = self._bits, self._nbits
        table = self._table
        for byte in data:
            if self._done:
                break
            bits = (bits << 8) | byte
            nbits += 8
            while nbits >= self._width:
                nbits -= self._width
                code = bits >> nbits
                bits &= (1 << nbits) - 1
                if code == 256:
                    self._reset()
                    table = self._table
                    continue
                if code == 257:
                    self._done = True
                    break
                previous = self._previous
                if code < len(table):
                    entry = table[code]
                    if previous is not None and len(table) < 4096:
                        table.append(previous + entry[:1])
                elif code == len(table) and previous is not None and len(table) < 4096:
                    entry = previous + previous[:1]
                    table.append(entry)
                else:
                    raise ValueError(f"LZW: invalid code {code}")
                self._previous = entry
                out += entry
                if len(table) + self._early >= (1 << self._width) and self._width < 12:
                    self._width += 1
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        self._bits, self._nbits = bits, nbits
        if out:
            yield bytes(out)

    def end(self) -> Iterator[bytes]:
        return iter(())


class _RunLength:
    def __init__(self, parms: Mapping | None) -> None:
        self._pending = b""
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        data = self._pending + data
        out = bytearray()
        at = 0
        while at < len(data) and not self._done:
            length = data[at]
            if length == 128:
                self._done = True
                break
            if length < 128:
                if at + 1 + length + 1 > len(data):
                    break  # the literal run continues in the next piece
                out += data[at + 1: at + 2 + length]
                at += 2 + length
            else:
                if at + 1 >= len(data):
                    break
                out += data[at + 1: at + 2] * (257 - length)
                at += 2
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        self._pending = b"" if self._done else data[at:]
        if out:
            yield bytes(out)

    def end(self) -> Iterator[bytes]:
        return iter(())


_WHITESPACE = b"\0\t\n\f\r "


class _ASCIIHex:
    def __init__(self, parms: Mapping | None) -> None:
        self._pending = b""
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._done:
            return
        data = self._pending + data.translate(None, _WHITESPACE)
        end = data.find(b">")
        if end >= 0:
            self._done = True
            data = data[:end] + (b"0" if end % 2 else b"")  # an odd last digit is followed by 0
        even = len(data) - len(data) % 2
        self._pending = data[even:]
        try:
            yield binascii.unhexlify(data[:even])
        except binascii.Error as exc:
            raise ValueError(f"ASCIIHex: {exc}") from exc

    def end(self) -> Iterator[bytes]:
        if self._pending:
            yield from self.feed(b">")


class _ASCII85:
    def __init__(self, parms: Mapping | None) -> None:
        self._pending = b""
        self._done = False

    def feed(self, data: bytes, final: bool = False) -> Iterator[bytes]:
        if self._done:
            return
        # "z" stands for four zero bytes, i.e. the group "!!!!!"
        data = self._pending + data.translate(None, _WHITESPACE).replace(b"z", b"!!!!!")
        end = data.find(b"~")
        if end >= 0:
            self._done = final = True
            data = data[:end]
        whole = len(data) if final else len(data) - len(data) % 5
        self._pending = data[whole:]
        if len(data[:whole]) % 5 == 1:
            raise ValueError("ASCII85: a lone character in the last group")
        try:
            yield base64.a85decode(data[:whole])
        except ValueError as exc:
            raise ValueError(f"ASCII85: {exc}") from exc

    def end(self) -> Iterator[bytes]:
        return self.feed(b"", final=True)


_DECODERS = {
    "/FlateDecode": _Flate, "/Fl": _Flate,
    "/LZWDecode": _LZW, "/LZW": _LZW,
    "/RunLengthDecode": _RunLength, "/RL": _RunLength,
    "/ASCIIHexDecode": _ASCIIHex, "/AHx": _ASCIIHex,
    "/ASCII85Decode": _ASCII85, "/A85": _ASCII85,
}
#: Filters decoded here; ``/Crypt`` passes data through (encryption is undone when reading).
GENERAL_FILTERS = frozenset(_DECODERS) | {"/Crypt"}


def decoded_size(
    raw: bytes, filters: Sequence[str], parms: Sequence[Mapping | None] = (), *, limit: int
) -> Decoded:
    """Bytes the general-purpose filters of a stream decode ``raw`` to, counting up to ``limit``.

    Args:
        raw: the stream's data as stored (decrypted).
        filters: the filter names in order, e.g. ``["/FlateDecode", "/DCTDecode"]``.
        parms: each filter's ``/DecodeParms`` (a mapping or None), in the same order; missing
            ones count as None.
        limit: the most bytes to decode; decoding stops as soon as the count passes it.

    Returns:
        :class:`Decoded`; an image codec ends the chain (what enters it is counted), so does
        an unknown filter (then ``error`` names it).
    """
    stages = []
    for position, name in enumerate(filters):
        if name in IMAGE_FILTERS:
            break
        if name == "/Crypt":
            continue
        decoder = _DECODERS.get(name)
        if decoder is None:
            return Decoded(0, error=f"unknown filter {name}")
        stages.append(decoder(parms[position] if position < len(parms) else None))
    if not stages:
        return Decoded(0)
    count = 0

    def push(index: int, pieces: Iterator[bytes]) -> None:
        nonlocal count
        for piece in pieces:
            if index == len(stages):
                count += len(piece)
                if count > limit:
                    raise _Exceeded
            else:
                push(index + 1, stages[index].feed(piece))

    view = memoryview(raw)
    try:
        for start in range(0, len(raw), CHUNK):
            push(0, iter((bytes(view[start: start + CHUNK]),)))
        for index, stage in enumerate(stages):
            push(index + 1, stage.end())
    except _Exceeded:
        return Decoded(count, exceeded=True)
    except (zlib.error, ValueError) as exc:
        return Decoded(count, error=str(exc))
    return Decoded(count)
