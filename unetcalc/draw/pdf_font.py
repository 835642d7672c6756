"""The font a PDF figure embeds: a subset of DejaVu Sans shipped with unetcalc (licence beside it).

Journals' PDF checkers (IEEE PDF eXpress, ACM) reject a figure whose fonts are not embedded; the standard
Helvetica is not. The subset (printable ASCII and the symbols a figure writes: × · → ≡ ≥ ≤ – — …) is
embedded whole as a TrueType CID font; its glyph ids and advance widths come from the JSON beside it.
A character the subset lacks is drawn as its `.notdef` box, and still extracts as itself (ToUnicode).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
NAME = "UCALCA+DejaVuSans"  # a subset font's name: six capitals, a plus, the family


@dataclass(frozen=True, slots=True)
class EmbeddedFont:
    data: bytes  # the TrueType file
    units_per_em: int
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    glyphs: dict[str, tuple[int, int]]  # character → (glyph id, advance in font units)
    notdef: tuple[int, int]

    def glyph(self, char: str) -> tuple[int, int]:
        return self.glyphs.get(char, self.notdef)

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` at ``size`` points."""
        return sum(self.glyph(c)[1] for c in text) * size / self.units_per_em

    def per_mille(self, units: int) -> int:
        """Font units in PDF glyph space (1000 per em)."""
        return round(units * 1000 / self.units_per_em)


@functools.cache
def embedded_font() -> EmbeddedFont:
    metrics = json.loads((FONTS / "DejaVuSans-subset.json").read_text(encoding="utf-8"))
    return EmbeddedFont(
        data=(FONTS / "DejaVuSans-subset.ttf").read_bytes(),
        units_per_em=metrics["units_per_em"],
        bbox=tuple(metrics["bbox"]),
        ascent=metrics["ascent"],
        descent=metrics["descent"],
        cap_height=metrics["cap_height"],
        glyphs={char: (gid, advance) for char, (gid, advance) in metrics["glyphs"].items()},
        notdef=tuple(metrics["notdef"]),
    )


def font_objects(font: EmbeddedFont, used: set[str], first: int) -> list[bytes]:
    """The PDF objects of the font, numbered from ``first`` (the Type0 font is ``first``): the Type0 font,
    its CID font, the descriptor, the embedded file and the ToUnicode map of the characters ``used``."""
    cid_font, descriptor, file, to_unicode = first + 1, first + 2, first + 3, first + 4
    gids = sorted({font.glyph(c)[0] for c in used} | {font.notdef[0]})
    widths = " ".join(f"{gid} [{font.per_mille(_advance(font, gid))}]" for gid in gids)
    pairs = sorted({(font.glyph(c)[0], c) for c in used if c in font.glyphs})
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
            f"{len(pairs)} beginbfchar",
            *(f"<{gid:04X}> <{_utf16(char)}>" for gid, char in pairs),
            "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
        ]
    ).encode()
    x0, y0, x1, y1 = (font.per_mille(v) for v in font.bbox)
    return [
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{NAME} /Encoding /Identity-H "
        f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode(),
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{NAME} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /W [{widths}] >>".encode(),
        f"<< /Type /FontDescriptor /FontName /{NAME} /Flags 32 /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 "
        f"/Ascent {font.per_mille(font.ascent)} /Descent {font.per_mille(font.descent)} "
        f"/CapHeight {font.per_mille(font.cap_height)} /StemV 80 /FontFile2 {file} 0 R >>".encode(),
        b"<< /Length %d /Length1 %d >>\nstream\n" % (len(font.data), len(font.data)) + font.data + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]


def shown(font: EmbeddedFont, text: str) -> bytes:
    """``text`` as the hex string of its glyph ids, for ``Tj`` with Identity-H."""
    return b"<" + "".join(f"{font.glyph(c)[0]:04X}" for c in text).encode() + b">"


def _advance(font: EmbeddedFont, gid: int) -> int:
    if gid == font.notdef[0]:
        return font.notdef[1]
    return next(advance for g, advance in font.glyphs.values() if g == gid)


def _utf16(char: str) -> str:
    return char.encode("utf-16-be").hex().upper()
