"""How much work one spec may ask for: bounds checked before the work is done, each a finding.

A spec under the file-size limit may still describe far more than anyone trains (`repeat: 10**9`,
`unet: {levels: 10**9}`, 2 million one-line layers): what expansion *would* produce is counted
first, and a spec over a bound is answered with one finding in well under a second.
"""

from __future__ import annotations

MAX_LAYERS = 200_000  # layers of one network, written or expanded (the largest real ones have ~1,000)
MAX_SUBSTITUTED_CHARS = 20_000_000  # characters `${param}` substitution may produce in all
MAX_UNET_LEVELS = 64  # a 2x-pooling U-Net deeper than this needs an input of more than 2**64
MAX_NUMBER_DIGITS = 100  # of a whole number anywhere (spec, note cell, option): past it, no size means anything
