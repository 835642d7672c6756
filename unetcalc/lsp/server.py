"""`unetcalc lsp`: the language server (stdio, pygls) for specs and notes.

Each change is checked in process as soon as it arrives; while one check runs, later changes only mark
the buffer dirty and the newest text is checked next (stale versions are never published). Inlay hints,
hover, code actions, definitions, references, symbols and completion answer from the newest analysis.
The server reads only the text the client sends; it runs no code from a spec (`unetcalc import` stays a
command).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import ServerTextPosition, ServerTextRange, TextDocument

from unetcalc import __version__
from unetcalc.catalogue import rules_by_code
from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.lsp.buffer import REFERENCE_KEYS, Buffer, Span, shape_label
from unetcalc.lsp.fixes import fixes
from unetcalc.lsp.hover import hover
from unetcalc.spec.yamlload import YamlProblem, load_yaml_text

RULES_DOC = (Path(__file__).resolve().parent.parent / "data" / "rules.md").as_uri()
SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
_BLOCK_USE = re.compile(r"(?<![\w-])block\s*:\s*([A-Za-z_][\w.\-]*)")


class UnetcalcServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("unetcalc", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.buffers: dict[str, Buffer] = {}
        self.running: dict[str, asyncio.Task[None]] = {}
        self.dirty: set[str] = set()

    # -- analysis -----------------------------------------------------------------------------------------
    def document(self, uri: str) -> TextDocument:
        return self.workspace.get_text_document(uri)

    def schedule(self, uri: str) -> None:
        """Check the buffer now, or — when a check is running — once more when it ends, with the newest text."""
        if uri in self.running:
            self.dirty.add(uri)
            return
        self.running[uri] = asyncio.ensure_future(self._check_until_clean(uri))

    async def _check_until_clean(self, uri: str) -> None:
        try:
            while True:
                self.dirty.discard(uri)
                await self.analyse(uri)
                if uri not in self.dirty:
                    break
        finally:
            self.running.pop(uri, None)

    async def fresh(self, uri: str) -> Buffer:
        """The analysis of the buffer's current text, for a request: the running check's when it is of this
        text (waited for, not repeated), else one made now."""
        running = self.running.get(uri)
        if running is not None:
            await asyncio.shield(running)
        return await self.analyse(uri)

    async def analyse(self, uri: str) -> Buffer:
        document = self.document(uri)
        version = document.version or 0
        known = self.buffers.get(uri)
        if known is not None and known.version == version and known.text == document.source:
            return known
        text = document.source
        path = to_fs_path(uri) or uri
        buffer = await asyncio.get_running_loop().run_in_executor(None, Buffer.analyse, path, text, version)
        if document.source == text:  # not superseded while it ran
            self.buffers[uri] = buffer
            self.publish(uri, buffer, document)
        return buffer

    def publish(self, uri: str, buffer: Buffer, document: TextDocument) -> None:
        units = Units(document)
        diagnostics = [self.diagnostic(buffer, d, span, uri, units) for d, span in buffer.diagnostics()]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=buffer.version)
        )
        workspace = self.client_capabilities.workspace if self.client_capabilities else None
        if workspace is not None and workspace.inlay_hint is not None and workspace.inlay_hint.refresh_support:
            self.workspace_inlay_hint_refresh(None)  # the hints moved with the text: ask the editor to pull them

    @staticmethod
    def diagnostic(buffer: Buffer, d: Diagnostic, span: Span, uri: str, units: Units) -> lsp.Diagnostic:
        related = [
            lsp.DiagnosticRelatedInformation(lsp.Location(uri, units.range(other)), note)
            for other, note in related_spans(buffer, d)
        ]
        rule = rules_by_code().get(d.code)
        return lsp.Diagnostic(
            range=units.range(span),
            message=d.message + (f"\nhint: {d.hint}" if d.hint else ""),
            severity=SEVERITY[d.severity],
            code=d.code,
            code_description=lsp.CodeDescription(href=f"{RULES_DOC}#{d.code.lower()}") if rule else None,
            source="unetcalc",
            related_information=related or None,
            data={"line": d.line, "column": d.column, "code": d.code},
        )


class Units:
    """Code-point spans to the client's units (UTF-16 unless it chose another) for one request: the document's
    lines are split once, not once per position (10,000 hints would split 10,000 lines 10,000 times)."""

    def __init__(self, document: TextDocument) -> None:
        self.codec = document.position_codec
        self.lines = document.lines

    def range(self, span: Span) -> lsp.Range:
        start, end = ServerTextPosition(span.line, span.start), ServerTextPosition(span.line, span.end)
        try:
            return self.codec.range_to_client_units(self.lines, ServerTextRange(start, end))
        except (IndexError, ValueError):  # past the client's last line: the text changed meanwhile
            return lsp.Range(lsp.Position(span.line, span.start), lsp.Position(span.line, span.end))

    def position(self, position: lsp.Position) -> tuple[int, int]:
        try:
            found = self.codec.position_from_client_units(self.lines, position)
        except (IndexError, ValueError):
            return position.line, position.character
        return found.line, found.character


def related_spans(buffer: Buffer, d: Diagnostic) -> list[tuple[Span, str]]:
    """The other places a finding is about: the first layer of a duplicated name, the block a use expands."""
    found: list[tuple[Span, str]] = []
    if d.code == "UC006" and d.layer:
        first = buffer.definitions().get(d.layer)
        if first is not None and first.line != d.line - 1:
            found.append((first, f"`{d.layer}` is first defined here"))
    match = re.search(r"block `([^`]+)`", d.message)
    if match:
        block = buffer.block_definitions().get(match.group(1))
        if block is not None:
            found.append((block, f"block `{match.group(1)}` is defined here"))
    inside = _block_around(buffer, d.line - 1)
    if inside is not None:  # a finding in a block's own rows: where the block is used
        found += [
            (r.span, f"`{inside}` is used here") for r in buffer.references() if r.key == "block" and r.name == inside
        ]
    return found


def _block_around(buffer: Buffer, line: int) -> str | None:
    """The block whose definition holds (0-based) ``line``: between its name and the next top-level key."""
    starts = sorted((span.line, name) for name, span in buffer.block_definitions().items())
    found = None
    for start, name in starts:
        if start <= line:
            found = (start, name)
    if found is None:
        return None
    for number in range(found[0] + 1, line + 1):
        text = buffer.lines[number] if number < len(buffer.lines) else ""
        if text and not text[0].isspace():
            return None  # a top-level key ended `blocks:` before this line
    return found[1]


server = UnetcalcServer()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: UnetcalcServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: UnetcalcServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: UnetcalcServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: UnetcalcServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.buffers.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
async def inlay_hints(ls: UnetcalcServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    units = Units(ls.document(params.text_document.uri))
    buffer = await ls.fresh(params.text_document.uri)
    hints = []
    for hint in buffer.inlay_hints(params.range.start.line, params.range.end.line):
        position = units.range(Span(hint.line, hint.column, hint.column)).start
        hints.append(lsp.InlayHint(position=position, label=hint.label, kind=lsp.InlayHintKind.Type))
    return hints


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: UnetcalcServer, params: lsp.HoverParams) -> lsp.Hover | None:
    units = Units(ls.document(params.text_document.uri))
    buffer = await ls.fresh(params.text_document.uri)
    line, column = units.position(params.position)
    text = hover(buffer, line, column)
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
async def code_actions(ls: UnetcalcServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    units = Units(ls.document(uri))
    buffer = await ls.fresh(uri)
    first, last = params.range.start.line, params.range.end.line
    actions = []
    for d, span in buffer.diagnostics():
        if not first <= span.line <= last:
            continue
        published = ls.diagnostic(buffer, d, span, uri, units)
        for fix in fixes(buffer, d):
            edits = [lsp.TextEdit(units.range(edit.span), edit.text) for edit in fix.edits]
            actions.append(
                lsp.CodeAction(
                    title=fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[published],
                    is_preferred=fix.preferred,
                    edit=lsp.WorkspaceEdit(changes={uri: edits}),
                )
            )
    return actions


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: UnetcalcServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    uri = params.text_document.uri
    units = Units(ls.document(uri))
    buffer = await ls.fresh(uri)
    reference = buffer.reference_at(*units.position(params.position))
    if reference is None:
        return None
    spans = buffer.block_definitions() if reference.key == "block" else buffer.definitions()
    span = spans.get(reference.name)
    return lsp.Location(uri, units.range(span)) if span is not None else None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
async def references(ls: UnetcalcServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    uri = params.text_document.uri
    units = Units(ls.document(uri))
    buffer = await ls.fresh(uri)
    name = buffer.name_at(*units.position(params.position))
    if name is None:
        return []
    spans = [r.span for r in buffer.references() if r.name == name]
    if params.context.include_declaration:
        definition_ = buffer.definitions().get(name) or buffer.block_definitions().get(name)
        spans = ([definition_] if definition_ is not None else []) + spans
    return [lsp.Location(uri, units.range(span)) for span in spans]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
async def symbols(ls: UnetcalcServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    uri = params.text_document.uri
    units = Units(ls.document(uri))
    buffer = await ls.fresh(uri)
    found = []
    for level, size, layers in buffer.levels():
        children = []
        for layer, shape in layers:
            row = buffer.row_of(layer)
            width = len(buffer.lines[row]) if row < len(buffer.lines) else 0
            whole = units.range(Span(row, 0, width))
            children.append(
                lsp.DocumentSymbol(
                    name=layer.name,
                    detail=f"{layer.op} → {shape_label(shape)}",
                    kind=lsp.SymbolKind.Function,
                    range=whole,
                    selection_range=whole,
                )
            )
        span = lsp.Range(children[0].range.start, children[-1].range.end)
        found.append(
            lsp.DocumentSymbol(
                name=f"level {level} · {size}",
                kind=lsp.SymbolKind.Module,
                range=span,
                selection_range=children[0].range,
                children=children,
            )
        )
    return found


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", ",", "["]))
async def completion(ls: UnetcalcServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    uri = params.text_document.uri
    units = Units(ls.document(uri))
    line, column = units.position(params.position)
    buffer = ls.buffers.get(uri) or await ls.fresh(uri)  # names above the cursor rarely change while typing
    text = units.lines[line][:column] if line < len(units.lines) else ""
    return lsp.CompletionList(is_incomplete=False, items=complete(buffer, line, text))


def complete(buffer: Buffer, line: int, before: str) -> list[lsp.CompletionItem]:
    """Layer names in `from:`/`with:`/`to:` (those defined above the line), block names after `block:`, and a
    block's parameters in its use."""
    if buffer.is_note:
        return []
    if _typing_value_of(before, REFERENCE_KEYS):
        names = ["input"] + [n for n, span in buffer.definitions().items() if span.line < line]
        return [lsp.CompletionItem(label=n, kind=lsp.CompletionItemKind.Reference) for n in names]
    if _typing_value_of(before, ("block",)):
        return [lsp.CompletionItem(label=n, kind=lsp.CompletionItemKind.Module) for n in buffer.block_definitions()]
    use = _BLOCK_USE.search(buffer.lines[line] if line < len(buffer.lines) else "")
    if use is not None and before.rstrip().endswith((",", "{")):
        present = set(re.findall(r"([\w]+)\s*:", buffer.lines[line]))
        return [
            lsp.CompletionItem(label=p, kind=lsp.CompletionItemKind.Property, insert_text=f"{p}: ")
            for p in block_params(buffer, use.group(1))
            if p not in present
        ]
    return []


def _typing_value_of(before: str, keys: tuple[str, ...]) -> bool:
    """Whether the text before the cursor ends inside the value of one of ``keys``: after `key:`, with only
    a name (or a `[`-list of names) typed since."""
    for key in keys:
        at = before.rfind(key + ":")
        if at < 0 or (at > 0 and (before[at - 1].isalnum() or before[at - 1] in "_-")):
            continue
        tail = before[at + len(key) + 1 :]
        if all(c.isalnum() or c in "_.-[ ," for c in tail) and ("[" in tail or "," not in tail):
            return True
    return False


def block_params(buffer: Buffer, block: str) -> list[str]:
    """The parameters a block declares (its `params:` keys), read from the buffer with the spec reader."""
    try:
        data = load_yaml_text(buffer.text).data
    except YamlProblem:
        return []
    blocks = data.get("blocks") if isinstance(data, dict) else None
    entry = blocks.get(block) if isinstance(blocks, dict) else None
    params = entry.get("params") if isinstance(entry, dict) else None
    return [str(k) for k in params] if isinstance(params, dict) else []


def serve() -> None:
    """Serve on stdio until the client exits. A long-lived process: the cyclic collector is back on (the
    one-command CLI turns it off), and replies go straight to the file descriptor."""
    import os
    import sys

    from unetcalc.collector import on_for_a_long_run

    on_for_a_long_run()
    with os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0) as replies:
        server.start_io(sys.stdin.buffer, replies)
