"""GraphQL documents written once, fragments apart: a document is completed with every fragment it
reaches, so each file Saleor receives is self-contained (webhook subscriptions and our own queries)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import DocumentNode, FragmentDefinitionNode, FragmentSpreadNode, Visitor, parse, print_ast, visit


@cache
def fragments_in(directory: Path) -> dict[str, FragmentDefinitionNode]:
    fragments: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(directory.glob("*.graphql")):
        for definition in parse(path.read_text()).definitions:
            if isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
    return fragments


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
        self.names.add(node.name.value)


def _spreads(node: DocumentNode | FragmentDefinitionNode) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


def complete_document(path: Path, fragments_dir: Path) -> str:
    """The document at `path` followed by every fragment (from `fragments_dir`) it reaches."""
    document = parse(path.read_text())
    fragments = fragments_in(fragments_dir)
    needed: set[str] = set()
    pending = _spreads(document)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in fragments:
            raise KeyError(f"{path.name} uses fragment {name} that no file in {fragments_dir.name}/ defines")
        needed.add(name)
        pending |= _spreads(fragments[name])
    parts = [print_ast(document)] + [print_ast(fragments[name]) for name in sorted(needed)]
    return "\n\n".join(parts) + "\n"
