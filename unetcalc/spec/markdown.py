"""Layer tables in markdown notes: `| Layers | Dimensions | Operation | Filters |` read as specs.

Each table whose header has an operation column becomes one spec, named after the nearest heading
above it. Rows become the same YAML-tree rows a spec file produces, placed at the table's cells, so
every finding points at `note.md:LINE:COL` of the cell it is about. The note's other syntax
(front matter, code fences, HTML comments, Obsidian embeds and callouts) is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from unetcalc.findings.suggest import closest
from unetcalc.sourcelines import markdown_lines
from unetcalc.spec.note_ops import (
    OPERATION_EXAMPLES,
    OPERATION_WORDS,
    OperationError,
    implied_op,
    parse_operations,
)
from unetcalc.spec.reporting import Report
from unetcalc.spec.rules import UNKNOWN_OP
from unetcalc.spec.yamlload import Pos, YList, YMap

# Header synonyms, compared lower-case without punctuation.
COLUMNS = {
    "name": ("layer", "layers", "name", "block", "stage"),
    "dims": ("dimensions", "dimension", "shape", "size", "input", "in", "input shape", "input size", "tensor"),
    "out": ("output", "out", "output shape", "output size"),
    "op": ("operation", "op", "type", "layer type", "operation type", "operator"),
    "filters": ("filters", "channels", "kernels", "units", "features", "filter", "number of filters", "nfilters"),
    "kernel": ("kernel", "kernel size", "filter size", "window", "receptive field size"),
    "stride": ("stride", "strides"),
}


@dataclass(slots=True)
class Cell:
    text: str
    pos: Pos


@dataclass(slots=True)
class Table:
    heading: str
    header_line: int
    columns: dict[str, int]  # role → column index
    rows: list[list[Cell]] = field(default_factory=list)
    # A shape column's axis legend (`Output (C×H×W)` → ["c", "h", "w"]): the order its cells are written in.
    legends: dict[str, list[str]] = field(default_factory=dict)
    # No operation column: each row's operation is implied by its layer name (`conv2_2`, `pool3`) and the
    # Kernel and Stride columns.
    implied: bool = False
    # A table that looks like a layer table but says no operation at all (no Operation column, and layer
    # names that imply none): one finding.
    names_no_operation: bool = False
    readings: list[str] = field(default_factory=list)  # how an ambiguous column was read, said once


def normal_header(text: str) -> str:
    """A header cell as the column synonyms are written: no units or axis legend, lower case, no punctuation."""
    return re.sub(r"[^a-z0-9 #]", "", _LEGEND.sub("", text).lower().replace("_", " ")).strip()


def _split_row(line: str) -> list[tuple[str, int]]:
    """A GFM table row's cells, each with the 0-based column where its text starts: split at unescaped
    pipes, the leading and trailing pipe optional. Linear in the line's length."""
    body = line.rstrip()
    start = len(body) - len(body.lstrip())
    if body[start : start + 1] == "|":
        start += 1
    end = len(body)
    if end > start and body.endswith("|") and not body.endswith("\\|"):
        end -= 1
    cells, column = [], start
    for part in re.split(r"(?<!\\)\|", body[start:end]):
        cells.append((part.strip(), column + len(part) - len(part.lstrip())))
        column += len(part) + 1
    return cells


def _cells(line: str, number: int, offset: int = 0) -> list[Cell]:
    """The cells of a table row, each at the line and column where its text starts (``offset``: the
    columns a block quote's ``>`` or a list item's indent take before the row)."""
    return [Cell(text, Pos(number, offset + column + 1)) for text, column in _split_row(line)]


def _delimiter_cells(line: str) -> int:
    """How many cells a GFM delimiter row (``|---|:-:|``) has; 0 when the line is not one."""
    if "-" not in line:
        return 0
    cells = _split_row(line)
    if not all(text and text.strip(":") and set(text.strip(":")) == {"-"} for text, _ in cells):
        return 0
    return len(cells)


def _headings_and_paragraphs(lines: list[str]) -> list[tuple[str, int, int, str]]:
    """The note's blocks as CommonMark reads them (markdown-it, as GitHub renders the note): headings
    ("heading", line, 0, text) and paragraphs ("paragraph", first line, end line, content). Code
    blocks, fences of any length, HTML blocks and comments hold no paragraph; block quotes and list
    items do, with their markers stripped from the content."""
    from markdown_it import MarkdownIt

    # Blocks only: inline parsing is not needed (text_join exists from markdown-it-py 3 on).
    parser = MarkdownIt("commonmark").disable(["inline", "text_join"], ignoreInvalid=True)
    tokens = parser.parse("\n".join(lines))
    blocks: list[tuple[str, int, int, str]] = []
    for index, token in enumerate(tokens):
        if token.type not in ("heading_open", "paragraph_open") or token.map is None:
            continue
        content = tokens[index + 1].content if index + 1 < len(tokens) else ""
        kind = "heading" if token.type == "heading_open" else "paragraph"
        blocks.append((kind, token.map[0], token.map[1], content))
    return blocks


def _offset(source: str, content: str) -> int:
    """The column where a paragraph's content line starts in its source line (after `>` and indents)."""
    source, content = source.rstrip(), content.rstrip()
    return len(source) - len(content) if content and source.endswith(content) else 0


def _names_imply_ops(table: Table) -> bool:
    """Most rows' layer names imply an operation (a table of other things named in its first column is not
    a layer table: it stays silent)."""
    column = table.columns["name"]
    names = [row[column].text for row in table.rows if column < len(row) and row[column].text]
    return bool(names) and sum(implied_op(n) is not None for n in names) * 2 > len(names)


AMBIGUOUS_SHAPES = frozenset({"dimensions", "dimension", "shape", "size", "tensor", "dims"})


def _decide_shape_column(table: Table, header: list[Cell]) -> None:
    """A shape column whose name says neither input nor output (`Shape`, `Size`) is read as each row's
    input when the first layer's shape is the input row's (the seed note's `Dimensions`), else as each
    row's output (`input 572`, then `conv1a 570`); a reading other than input is said once."""
    column = table.columns.get("dims")
    if column is None or "out" in table.columns or normal_header(header[column].text) not in AMBIGUOUS_SHAPES:
        return
    from unetcalc.spec.shapetext import split_shape

    shapes = [row[column].text for row in table.rows if column < len(row) and row[column].text]
    if len(shapes) < 2:
        return
    legend = table.legends.get("dims") or []
    first, second = (
        parts[1:] if legend[:1] == ["c"] and len(parts) == len(legend) else parts
        for parts in (split_shape(shape_text(text)) for text in shapes[:2])
    )
    spatial = min(len(first), len(second), 3) - (1 if min(len(first), len(second)) >= 3 and legend[:1] != ["c"] else 0)
    if spatial >= 1 and first[:spatial] != second[:spatial]:
        table.columns["out"] = table.columns.pop("dims")
        if "dims" in table.legends:
            table.legends["out"] = table.legends.pop("dims")
        name = header[column].text.strip()
        table.readings.append(
            f"the `{name}` column read as each row's output (the first layer's differs from the input)"
        )


def _decide_channel_order(table: Table, header: list[Cell]) -> None:
    """A shape column without a legend whose cells put the channels first (`64×128×128`, as PyTorch prints
    shapes) is read so when the Filters column says so (a row's Filters value is the first entry, not the
    last: the input row for an input column, every row for an output column) or, without a Filters column,
    when the cells do: the spatial sizes of a square image are the equal pair, so `64×128×128` rows put
    them last and `128×128×64` rows first. Said once."""
    filters = table.columns.get("filters")
    from unetcalc.spec.shapetext import split_shape

    for role in ("dims", "out"):
        column = table.columns.get(role)
        if column is None or role in table.legends:
            continue
        said = [0, 0]  # channels first, last: what the Filters column says of the cells
        seen = [0, 0]  # what the cells say themselves: the equal (square) spatial sizes last, or first
        for number, row in enumerate(table.rows):
            if column >= len(row):
                continue
            parts = split_shape(shape_text(row[column].text))
            if len(parts) not in (3, 4):
                continue
            seen[0] += parts[-1] == parts[-2] and parts[0] != parts[-1]
            seen[1] += parts[-3] == parts[-2] and parts[-1] != parts[-2]
            channels = row[filters].text.strip() if filters is not None and filters < len(row) else ""
            if channels.isdigit() and not (role == "dims" and number > 0):
                said[0] += parts[0] == channels and parts[-1] != channels
                said[1] += parts[-1] == channels and parts[0] != channels
        by_filters = said[0] + said[1] > 0
        first, last = said if by_filters else seen
        if first > last and (by_filters or first >= 2):
            volumes = any(len(split_shape(shape_text(r[column].text))) == 4 for r in table.rows if column < len(r))
            table.legends[role] = ["c", "d", "h", "w"] if volumes else ["c", "h", "w"]
            name = header[column].text.strip()
            why = "as the Filters column says" if by_filters else "as its cells put the equal sizes last"
            table.readings.append(f"the `{name}` column read channels first (C×H×W), {why}")


def _without_wikilinks(text: str) -> str:
    """Obsidian's ``[[page|alias]]`` as ``page`` (linear: one pass of ``find``, no backtracking)."""
    out, index = [], 0
    while (start := text.find("[[", index)) >= 0:
        end = text.find("]]", start + 2)
        if end < 0:
            break
        inner = text[start + 2 : end]
        out.append(text[index:start])
        out.append(inner.split("|", 1)[0] if "]" not in inner else text[start : end + 2])
        index = end + 2
    out.append(text[index:])
    return "".join(out)


def find_tables(text: str) -> tuple[list[Table], int]:
    """Every layer table of the note, and how many other tables were skipped.

    The note is read as GitHub renders it: lines end at ``\\n``, ``\\r\\n`` and ``\\r`` only (a form feed or
    U+2028 in a cell is part of the cell), blocks follow CommonMark (markdown-it), and a table is a GFM
    table — a header row, then a delimiter row with as many cells, inside one paragraph; every line
    after them to the paragraph's end is a row. YAML front matter is skipped.
    """
    lines = markdown_lines(text)
    if lines and lines[0].strip() == "---":  # front matter: blanked, so that lines keep their numbers
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
        lines = [""] * (end + 1) + lines[end + 1 :]
    tables: list[Table] = []
    skipped = 0
    heading = ""
    for kind, first, end, content in _headings_and_paragraphs(lines):
        if kind == "heading":
            heading = _without_wikilinks(content).strip()
            continue
        rows = content.split("\n")
        if len(rows) != end - first:  # the paragraph's lines and its content disagree: not read as a table
            continue
        at = next(
            (
                i
                for i in range(1, len(rows))
                if "|" in rows[i - 1] + rows[i] and 0 < _delimiter_cells(rows[i]) == len(_split_row(rows[i - 1]))
            ),
            None,
        )
        if at is None:
            continue
        number = first + at  # 0-based line of the header
        header = _cells(rows[at - 1], number, _offset(lines[number - 1], rows[at - 1]))
        columns = _columns(header)
        table = Table(heading, number, columns)
        for role in ("dims", "out"):
            if role in columns and (legend := _legend(header[columns[role]].text)):
                table.legends[role] = legend
        for i in range(at + 1, len(rows)):
            table.rows.append(_cells(rows[i], first + i + 1, _offset(lines[first + i], rows[i]))[: len(header)])
        _decide_channel_order(table, header)  # first: the sizes compared below are read in the cells' order
        _decide_shape_column(table, header)
        # An operation column and one more a layer table has (name, shape or filters): the README's
        # `| op | parameters |` table is not one. Without one, layer names and a shape or kernel column
        # (`| Layer | Output shape | Kernel | Channels |`) make a layer table whose names imply the ops.
        if "op" in columns and len(columns.keys() & {"name", "dims", "out", "filters"}) >= 1:
            tables.append(table)
        elif "name" in columns and columns.keys() & {"dims", "out", "kernel"} and _names_imply_ops(table):
            table.implied = True
            tables.append(table)
        elif "name" in columns and columns.keys() & {"dims", "out"} and columns.keys() & {"kernel", "filters"}:
            # Layers, shapes and kernels or channels, but no operation anywhere: a finding, never a silent pass.
            table.names_no_operation = True
            tables.append(table)
        else:
            skipped += 1
    return tables, skipped


_LEGEND = re.compile(r"[(\[]([^()\[\]]*)[)\]]")  # `(H, W, C)`, `[C×H×W]`: units and axis legends


def _legend(text: str) -> list[str]:
    """The axis letters of a header's legend (`Output (C×H×W)` → c, h, w), or [] when it has none."""
    found = _LEGEND.search(text)
    if not found:
        return []
    from unetcalc.spec.shapetext import split_shape

    letters = [part.strip().lower() for part in split_shape(found.group(1).replace(",", "x"))]
    return letters if letters and all(letter in ("c", "d", "h", "w") for letter in letters) else []


def _columns(header: list[Cell]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for number, cell in enumerate(header):
        name = normal_header(cell.text)
        for role, synonyms in COLUMNS.items():
            if role not in columns and name in synonyms:
                columns[role] = number
                break
    return columns


EMPTY_CELLS = frozenset({"", "—", "–", "-", "n/a", "na", "?", "none"})


def _channels_of(text: str) -> int | None:
    """The channel count a declared output (`252 x 252 x 64`) states: its last entry of three or four."""
    from unetcalc.spec.shapetext import split_shape, whole_number

    parts = split_shape(shape_text(text))
    return whole_number(parts[-1]) if len(parts) >= 3 else None


def _row_map(values: dict[str, Any], positions: dict[str, Pos], pos: Pos) -> YMap:
    out = YMap(values)
    out.pos, out.key_pos, out.value_pos = pos, dict(positions), dict(positions)
    return out


def _implied_cell(row: list[Cell], name: Cell | None, kernel: Cell | None, stride: Cell | None) -> Cell | None:
    """The operation a row without an Operation column states through its name and Kernel/Stride cells,
    written as an operation cell placed at the name (`conv3_1`, kernel 3 → `Conv 3x3`)."""
    if name is None:
        return None
    op = implied_op(name.text)
    if op is None:
        return None
    size = kernel.text.strip().lower().replace("×", "x") if kernel is not None else ""
    step = f" s{stride.text.strip()}" if stride is not None and stride.text.strip().isdigit() else ""
    text = {
        "input": "",
        "conv": f"Conv {size or '3x3'}{step}",
        "maxpool": f"Max Pooling {size or '2x2'}{step}",
        "avgpool": f"Avg Pooling {size or '2x2'}{step}",
        "upconv": f"Up-conv {size or '2x2'}",
        "concat": "Concat",
    }.get(op, op)
    return Cell(text, name.pos)


def table_document(table: Table, report: Report) -> tuple[YMap, list[tuple[str, int, Pos]]]:
    """The spec document of one table (a YAML-tree mapping placed at its cells), and the Filters
    values of rows that are not convs: (layer name, channels, cell) for the caller to compare."""
    columns = table.columns
    rows = YList()
    rows.pos, rows.item_pos = Pos(table.header_line, 1), []
    expected: list[tuple[str, int, Pos]] = []
    input_row: YMap | None = None
    pools: list[str] = []  # the tensor before each pool: what a later `Copy and crop` joins
    names: list[str] = []
    skips_seen = 0
    counts: dict[str, int] = {}

    def shape(role: str, found: Cell) -> str:
        """A shape cell in the spec's order (sizes, then channels), whatever order its legend gives."""
        text = shape_text(found.text)
        legend = table.legends.get(role)
        if not legend or "c" not in legend or legend[-1] == "c":
            return text
        from unetcalc.spec.shapetext import split_shape

        parts = split_shape(text)
        if len(parts) != len(legend):
            return text
        channel = legend.index("c")
        return " x ".join([*parts[:channel], *parts[channel + 1 :], parts[channel]])

    def cell(row: list[Cell], role: str) -> Cell | None:
        number = columns.get(role)
        if number is None or number >= len(row) or row[number].text.strip().lower() in EMPTY_CELLS:
            return None
        return row[number]

    rank = 0  # the input row's dimensionality, once read
    reported_rank = False
    from unetcalc.spec.shapetext import split_shape

    # Layer rows of four entries (D×H×W×C) make a three-entry input row D×H×W, not H×W×C.
    volumes = any(
        len(split_shape(shape(role, found))) == 4
        for row in table.rows[1:]
        for role in ("dims", "out")
        if (found := cell(row, role)) is not None
    )
    # Without a Filters column, a conv's filters are the channels the next row says it receives.
    received: list[int | None] = [None] * len(table.rows)
    if columns.get("filters") is None:  # only read when there is no Filters column
        for index, row in enumerate(table.rows[1:]):
            found = cell(row, "dims")
            received[index] = _channels_of(shape("dims", found)) if found is not None else None
    for index, row in enumerate(table.rows):
        op_cell = cell(row, "op")
        name_cell = cell(row, "name")
        row_pos = row[0].pos if row else Pos(table.header_line, 1)
        if table.implied:
            implied = _implied_cell(row, name_cell, cell(row, "kernel"), cell(row, "stride"))
            if implied is None:
                where = name_cell.pos if name_cell else row_pos
                report(
                    UNKNOWN_OP,
                    UNKNOWN_OP.says("note-name", name=name_cell.text if name_cell else ""),
                    where,
                    hint="add an `Operation` column (`Conv 3x3`, `Max Pooling 2x2`, …), or name the layer "
                    "after its operation (`conv3_1`, `pool3`)",
                )
                continue
            op_cell = implied
        try:
            steps = parse_operations(op_cell.text if op_cell else "")
        except OperationError as exc:
            assert op_cell is not None
            word = re.sub(r"[\d\sx×.]+$", "", op_cell.text).strip()
            guess = closest(word, OPERATION_WORDS)
            examples = ", ".join(f"`{e}`" for e in OPERATION_EXAMPLES[:6])
            hint = (f"did you mean `{guess}`? " if guess else "") + f"operations are written e.g. {examples}"
            report(UNKNOWN_OP, UNKNOWN_OP.says("note-operation", problem=str(exc)), op_cell.pos, hint=hint)
            continue
        filters_cell = cell(row, "filters")
        filters = _whole(filters_cell.text) if filters_cell else None
        dims_cell = cell(row, "dims")
        out_cell = cell(row, "out")
        operation = steps[-1]
        mismatched = next((step for step in steps if step.axes and rank and step.axes != rank), None)
        if mismatched is not None and not reported_rank:
            reported_rank = True  # one finding, at the first row that disagrees
            report(
                UNKNOWN_OP,
                UNKNOWN_OP.says("note-rank", cell=op_cell.text if op_cell else "", axes=mismatched.axes, rank=rank),
                op_cell.pos if op_cell else row_pos,
                hint=f"write the input row with {mismatched.axes} sizes and the channels, or a {rank}D kernel",
            )
        if filters is None and columns.get("filters") is None and operation.op is not None:  # declared channels
            filters = _channels_of(shape("out", out_cell)) if out_cell is not None else received[index]
        if operation.op is None:  # the input row
            size_cell = dims_cell or out_cell
            if size_cell is None:
                continue
            from unetcalc.spec.shapetext import split_shape, whole_number

            parts = [p.strip() for p in split_shape(shape("dims" if size_cell is dims_cell else "out", size_cell))]
            # Sizes as written: numbers, or symbols (`H x W`); anything else is the parser's to report, at the cell.
            # Four entries are D×H×W×C (a 3D note); three are H×W×C unless the legend or the rows below say
            # D×H×W.
            legend = table.legends.get("dims" if size_cell is dims_cell else "out") or []
            if len(parts) == 4:
                spatial = 3
            elif legend:  # the legend's axes other than C: `(D, H, W, C)` over a `16 x 16 x 16` input row
                spatial = min(len([axis for axis in legend if axis != "c"]), 3)
            else:
                spatial = 3 if len(parts) == 3 and volumes else 2
            has_channels = len(parts) == spatial + 1
            last_number = whole_number(parts[-1]) if has_channels else None
            channels = filters if filters is not None else (last_number if last_number is not None else 1)
            sizes = [
                number if (number := whole_number(p)) is not None else p
                for p in (parts[:spatial] if len(parts) >= spatial else parts)
            ]
            input_row = _row_map(
                {"channels": channels, "size": YList(sizes)},
                {"channels": filters_cell.pos if filters_cell else size_cell.pos, "size": size_cell.pos},
                row_pos,
            )
            input_row["size"].pos, input_row["size"].item_pos = size_cell.pos, [size_cell.pos] * len(sizes)
            rank = len(sizes)
            continue
        # A folded cell (`Conv 3x3 + BN + ReLU`): the steps before the last are layers of their own, named
        # after the row (`L1.conv`, `L1.batchnorm`); the row's name, declared output and Filters cell
        # belong to its last step, its declared input to its first.
        base = name_cell.text if name_cell else None
        folded = len(steps) > 1
        for k, step in enumerate(steps[:-1]):
            if step.op is None or step.op == "concat":
                report(
                    UNKNOWN_OP,
                    UNKNOWN_OP.says("note-folded", cell=op_cell.text if op_cell else ""),
                    op_cell.pos if op_cell else row_pos,
                    hint="give it a row of its own",
                )
                break
            counts[step.op] = counts.get(step.op, 0) + 1
            step_name = f"{base}.{step.op}{k + 1}" if base else f"{step.op}{counts[step.op]}"
            step_values: dict[str, Any] = {"op": step.op, **step.params}
            step_positions: dict[str, Pos] = dict.fromkeys(step_values, op_cell.pos if op_cell else row_pos)
            if base and name_cell:
                step_values["name"], step_positions["name"] = step_name, name_cell.pos
            if step.op in ("conv", "upconv"):
                step_values["filters"] = filters if filters is not None else step.params.get("filters", 1)
                step_positions["filters"] = filters_cell.pos if filters_cell else step_positions["op"]
            if k == 0 and dims_cell is not None and not _symbolic(dims_cell.text):
                step_values["in"], step_positions["in"] = shape("dims", dims_cell), dims_cell.pos
            if step.op in ("maxpool", "avgpool") or (step.op == "conv" and step.params.get("stride", 1) != 1):
                pools.append(names[-1] if names else "input")
            names.append(step_name)
            rows.append(_row_map(step_values, step_positions, row_pos))
            rows.item_pos.append(row_pos)
        values: dict[str, Any] = {"op": operation.op, **operation.params}
        positions: dict[str, Pos] = dict.fromkeys(values, op_cell.pos if op_cell else row_pos)
        op = operation.op
        counts[op] = counts.get(op, 0) + 1
        name = name_cell.text if name_cell else f"{op}{counts[op]}"
        if name_cell:
            values["name"], positions["name"] = name, name_cell.pos
        if op in ("conv", "upconv"):
            if filters is None:  # the printout's out_channels (`Conv2d(64, 128, …)`), else one filter
                values["filters"] = operation.params.get("filters", 1)
                positions["filters"] = op_cell.pos if op_cell else row_pos
            else:
                values["filters"] = filters
                positions["filters"] = filters_cell.pos if filters_cell else row_pos
        elif filters is not None and filters_cell is not None:
            expected.append((name, filters, filters_cell.pos))
        if op == "concat":
            target = operation.concat_with
            if target is None and pools:
                skips_seen += 1
                target = pools[-skips_seen] if skips_seen <= len(pools) else None
            if target is None:
                report(
                    UNKNOWN_OP,
                    UNKNOWN_OP.says("note-join", cell=op_cell.text if op_cell else ""),
                    op_cell.pos if op_cell else row_pos,
                    hint="name it, e.g. `Concat with Conv3`",
                )
                continue
            values["with"], positions["with"] = target, positions["op"]
        if dims_cell is not None and not folded and not _symbolic(dims_cell.text):  # `H x W x 64` checks nothing
            values["in"], positions["in"] = shape("dims", dims_cell), dims_cell.pos
        if out_cell is not None:
            values["out"], positions["out"] = shape("out", out_cell), out_cell.pos
        if op in ("maxpool", "avgpool") or (op == "conv" and values.get("stride", 1) not in (1, [1, 1])):
            pools.append(names[-1] if names else "input")
        names.append(name)
        rows.append(_row_map(values, positions, row_pos))
        rows.item_pos.append(row_pos)
    document: dict[str, Any] = {"name": table.heading or f"table at line {table.header_line}"}
    positions = {"name": Pos(table.header_line, 1)}
    if input_row is not None:
        document["input"], positions["input"] = input_row, input_row.pos
    document["defaults"] = _row_map({"conv": _row_map({"padding": "valid"}, {}, rows.pos)}, {}, rows.pos)
    positions["defaults"] = rows.pos
    document["layers"], positions["layers"] = rows, rows.pos
    return _row_map(document, positions, Pos(table.header_line, 1)), expected


def shape_text(text: str) -> str:
    """A shape as notes write it — `252 x 252 x 64`, `252×252×64`, `(252, 252, 64)` — in the spec's form."""
    inner = text.strip()
    if inner[:1] in "([" and inner[-1:] in ")]":
        inner = inner[1:-1]
    return " x ".join(part.strip() for part in inner.split(",")) if "," in inner else inner


def _symbolic(text: str) -> bool:
    """A shape written with symbols (`H x W x 64`, `H/2 x W/2`): the note's sizes for any input."""
    from unetcalc.spec.shapetext import split_shape

    return any(re.search(r"[A-Za-z]", part) for part in split_shape(shape_text(text)))


def _whole(text: str) -> int | None:
    from unetcalc.spec.shapetext import whole_number

    return whole_number(text.replace(",", ""))
