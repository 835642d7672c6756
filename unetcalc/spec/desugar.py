"""Spec v2 desugared to spec v1 rows: block uses expanded (spec/expand.py), and the `unet:` and
`decoder: mirror` templates (spec/templates.py) written out as the layers they stand for. Findings go to
the parser's report, with its rules."""

from __future__ import annotations

from collections.abc import Callable

from unetcalc.spec.model import InputSpec
from unetcalc.spec.reporting import Report
from unetcalc.spec.rules import BAD_PARAMETER, UNKNOWN_KEY
from unetcalc.spec.yamlload import YList, YMap

UnknownKeys = Callable[[YMap, tuple[str, ...], str, str], None]


class Desugar:
    def __init__(self, report: Report, unknown_keys: UnknownKeys) -> None:
        self.report = report
        self.unknown_keys = unknown_keys

    def blocks(self, data: YMap) -> YMap:
        """Replace block uses in `layers` by the layers they stand for (spec/expand.py)."""

        raw_blocks = data.get("blocks")
        raw_layers = data.get("layers")
        uses = isinstance(raw_layers, YList) and any(isinstance(r, YMap) and "block" in r for r in raw_layers)
        if raw_blocks is None and not uses:
            return data
        from unetcalc.spec.expand import BLOCK_KEYS, Expander  # only for a spec that uses blocks

        blocks: dict[str, YMap] = {}
        if raw_blocks is not None and not isinstance(raw_blocks, YMap):
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("blocks"), data.value_pos["blocks"])
            raw_blocks = None
        table: YMap = raw_blocks if raw_blocks is not None else YMap()
        for block_name, definition in table.items():
            where = table.value_pos[block_name]
            if not isinstance(definition, YMap):
                self.report(BAD_PARAMETER, BAD_PARAMETER.says("block", block=block_name), where)
                continue
            self.unknown_keys(definition, BLOCK_KEYS, "block-key", "a block takes")
            params = definition.get("params")
            if params is not None and not isinstance(params, YMap):
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("block-params"),
                    definition.value_pos["params"],
                )
                continue
            blocks[str(block_name)] = definition
        if not isinstance(raw_layers, YList):
            return data
        expander = Expander(blocks, self.report)
        expanded = expander.expand(raw_layers)
        out = YMap(data)
        out.pos, out.key_pos, out.value_pos = data.pos, data.key_pos, data.value_pos
        out["layers"] = expanded
        outputs = data.get("outputs")
        if isinstance(outputs, (str, YList)):  # a block use's name stands for its output, as in `from`/`with`
            out["outputs"] = expander.instance_outputs(outputs)
        elif isinstance(outputs, YMap) and isinstance(outputs.get("stack"), YList):
            stacked = YMap(outputs)
            stacked.pos, stacked.key_pos, stacked.value_pos = outputs.pos, outputs.key_pos, outputs.value_pos
            stacked["stack"] = expander.instance_outputs(outputs["stack"])
            out["outputs"] = stacked
        return out

    def templates(self, data: YMap, spec_input: InputSpec | None) -> YMap:
        """`unet:` (a whole U-Net) or `decoder: mirror` (the decoder of the written encoder) → layer rows."""

        if "unet" not in data and "decoder" not in data:
            return data
        from unetcalc.spec.templates import DECODER_KEYS, head_names, mirror_rows, rows_list, unet_rows, unet_settings

        in_channels = spec_input.channels if spec_input else 1
        raw_defaults = data.get("defaults")
        conv_defaults = raw_defaults.get("conv") if isinstance(raw_defaults, dict) else None
        conv_defaults = conv_defaults if isinstance(conv_defaults, dict) else {}
        out = YMap(data)
        out.pos, out.key_pos, out.value_pos = data.pos, data.key_pos, data.value_pos
        if "unet" in data:
            pos = data.value_pos["unet"]
            config = data["unet"]
            if "layers" in data:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("unet-and-layers"),
                    data.key_pos["layers"],
                    hint="remove `layers`, or write the layers and use `decoder: mirror`",
                )
                return data
            if not isinstance(config, YMap):
                self.report(BAD_PARAMETER, BAD_PARAMETER.says("unet"), pos)
                return data
            settings = unet_settings(config, self.report)
            if settings is None:  # reported: no layers, and no follow-on "the spec has no `layers`"
                unread = YList()
                unread.pos, unread.item_pos, unread.unreadable = pos, [], True
                out["layers"] = unread
                return out
            for key, have in (("dims", spec_input.rank if spec_input else None), ("in_channels", in_channels)):
                if settings[key] is not None and have is not None and settings[key] != have:
                    self.report(
                        BAD_PARAMETER,
                        BAD_PARAMETER.says("unet-input", key=key, value=settings[key], have=have),
                        config.value_pos[key],
                        hint=f"leave `{key}` out: it comes from `input`",
                    )
                    return data
            encoder = unet_rows(settings, pos)
            decoder = mirror_rows(encoder, pos, settings["classes"], in_channels, conv_defaults, settings)
            out["layers"] = rows_list(encoder + decoder, pos)
            heads = head_names(decoder) if settings["heads"] == "all" else []
            if heads:  # deep supervision: every head returned, the full-resolution one first
                out["outputs"] = rows_list([(name, pos) for name in heads], pos)
                out.key_pos.setdefault("outputs", pos)
                out.value_pos.setdefault("outputs", pos)
            return out
        pos = data.value_pos["decoder"]
        value = data["decoder"]
        classes = 2
        if isinstance(value, YMap) and value.get("mirror") is True:
            for key in value:
                if key not in DECODER_KEYS:
                    self.report(
                        UNKNOWN_KEY,
                        UNKNOWN_KEY.says("decoder-key", key=key),
                        value.key_pos[key],
                        hint="`decoder` takes: mirror, classes",
                    )
            classes = value.get("classes", 2)
            if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("classes", classes=classes),
                    value.value_pos.get("classes", pos),
                )
                return data
        elif value != "mirror":
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("decoder", value=value),
                pos,
                hint="`decoder: mirror` builds the symmetric decoder of the layers written",
            )
            return data
        layers = data.get("layers")
        if not isinstance(layers, YList) or not layers:
            return data
        encoder = list(zip(layers, layers.item_pos, strict=True))
        decoder = mirror_rows(encoder, pos, classes, in_channels, conv_defaults)
        if not decoder:
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("mirror-nothing"),
                pos,
                hint="write the encoder with its downsampling rows (`maxpool`, or a conv with `stride: 2`)",
            )
            return data
        out["layers"] = rows_list(encoder + decoder, layers.pos)
        return out
