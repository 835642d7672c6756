"""A language-server session through the protocol: `unetcalc lsp` in a subprocess, pygls's client talking
to it over stdio. Used by tests/test_lsp.py and benchmarks/lsp.py."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

TIMEOUT = 60.0


class Session:
    def __init__(self) -> None:
        self.client = LanguageClient("unetcalc-test", "0")
        self.published: dict[str, lsp.PublishDiagnosticsParams] = {}
        self.arrived: dict[str, asyncio.Event] = {}
        self.refreshes = 0

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = params
            self.arrived.setdefault(params.uri, asyncio.Event()).set()

        @self.client.feature(lsp.WORKSPACE_INLAY_HINT_REFRESH)
        def _refresh(params: None) -> None:
            self.refreshes += 1

    async def __aenter__(self) -> Session:
        await self.client.start_io(sys.executable, "-m", "unetcalc", "lsp")
        capabilities = lsp.ClientCapabilities(
            workspace=lsp.WorkspaceClientCapabilities(
                inlay_hint=lsp.InlayHintWorkspaceClientCapabilities(refresh_support=True)
            )
        )
        await asyncio.wait_for(
            self.client.initialize_async(lsp.InitializeParams(capabilities=capabilities, process_id=None)), TIMEOUT
        )
        self.client.initialized(lsp.InitializedParams())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await self.client.stop()

    def open(self, path: str | Path, text: str | None = None, version: int = 1) -> str:
        path = Path(path).resolve()
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        language = "markdown" if path.suffix == ".md" else "yaml"
        self.arrived[uri] = asyncio.Event()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, language, version, text))
        )
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        """The whole text replaced (what an editor sends for a paste; typing sends ranges)."""
        self.arrived[uri] = asyncio.Event()
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def edit(self, uri: str, line: int, start: int, end: int, text: str, version: int) -> None:
        """One range replaced, as typing sends it."""
        self.arrived[uri] = asyncio.Event()
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(line, start), lsp.Position(line, end)), text=text
        )
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(version=version, uri=uri), [change])
        )

    async def diagnostics(self, uri: str, version: int | None = None) -> list[lsp.Diagnostic]:
        """The diagnostics published for this buffer (for ``version``, when given)."""
        while True:
            await asyncio.wait_for(self.arrived.setdefault(uri, asyncio.Event()).wait(), TIMEOUT)
            published = self.published[uri]
            if version is None or published.version == version:
                return list(published.diagnostics)
            self.arrived[uri] = asyncio.Event()

    async def inlay_hints(self, uri: str, lines: int = 100_000) -> list[lsp.InlayHint]:
        params = lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri),
            range=lsp.Range(lsp.Position(0, 0), lsp.Position(lines, 0)),
        )
        return list(await asyncio.wait_for(self.client.text_document_inlay_hint_async(params), TIMEOUT) or [])

    async def hover(self, uri: str, line: int, character: int) -> lsp.Hover | None:
        params = lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, character))
        return await asyncio.wait_for(self.client.text_document_hover_async(params), TIMEOUT)

    async def code_actions(self, uri: str, line: int) -> list[lsp.CodeAction]:
        params = lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri),
            lsp.Range(lsp.Position(line, 0), lsp.Position(line, 1000)),
            lsp.CodeActionContext(diagnostics=[]),
        )
        found = await asyncio.wait_for(self.client.text_document_code_action_async(params), TIMEOUT)
        return [a for a in found or [] if isinstance(a, lsp.CodeAction)]

    async def definition(self, uri: str, line: int, character: int) -> object:
        params = lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, character))
        return await asyncio.wait_for(self.client.text_document_definition_async(params), TIMEOUT)

    async def references(self, uri: str, line: int, character: int) -> list[lsp.Location]:
        params = lsp.ReferenceParams(
            context=lsp.ReferenceContext(include_declaration=True),
            text_document=lsp.TextDocumentIdentifier(uri),
            position=lsp.Position(line, character),
        )
        return list(await asyncio.wait_for(self.client.text_document_references_async(params), TIMEOUT) or [])

    async def symbols(self, uri: str) -> list[lsp.DocumentSymbol]:
        params = lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))
        found = await asyncio.wait_for(self.client.text_document_document_symbol_async(params), TIMEOUT)
        return [s for s in found or [] if isinstance(s, lsp.DocumentSymbol)]

    async def completion(self, uri: str, line: int, character: int) -> list[lsp.CompletionItem]:
        params = lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, character))
        found = await asyncio.wait_for(self.client.text_document_completion_async(params), TIMEOUT)
        return list(found.items if isinstance(found, lsp.CompletionList) else found or [])


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """A buffer after the edits (single-line ranges, ASCII text), applied from the last one."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = edit.range.start, edit.range.end
        line = lines[start.line]
        assert start.line == end.line
        lines[start.line] = line[: start.character] + edit.new_text + line[end.character :]
    return "\n".join(lines)
