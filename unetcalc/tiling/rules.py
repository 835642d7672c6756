"""The rules `unetcalc tile` raises (nothing else here: the catalogue imports this module)."""

from __future__ import annotations

from unetcalc.findings.diagnostic import Severity
from unetcalc.findings.rules import Rule

TILE_DEPENDENT_STATISTICS = Rule(
    code="UC401",
    name="tile-dependent-statistics",
    severity=Severity.WARNING,
    summary="Instance or group norm normalises each tile with its own statistics.",
    what="Lists the instance and group norm layers of a network that `unetcalc tile` plans for.",
    why="Their mean and variance come from the tile, not the image: tiled output differs from one pass "
    "over the whole image (and from tile to tile), however the tiles overlap.",
    example="- instancenorm   # in a network run tile by tile",
    fix="Accept the seams (blend with overlap), run whole volumes where memory allows, or use batch norm.",
    messages={
        "per-tile": (
            "{layer} normalises each tile with that tile's own mean and variance: tiled output differs from one "
            "pass over the whole image"
        ),
    },
)
