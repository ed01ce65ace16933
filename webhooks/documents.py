"""Subscription queries: `webhooks/<event>.graphql` plus the fragments they use from `fragments/`.

Saleor wants one self-contained document per webhook, so the served query is the subscription
followed by every fragment it reaches; the fragments themselves are written once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import DocumentNode, FragmentDefinitionNode, FragmentSpreadNode, Visitor, parse, print_ast, visit

WEBHOOKS_DIR = Path(__file__).resolve().parent
FRAGMENTS_DIR = WEBHOOKS_DIR / "fragments"


@cache
def _fragments() -> dict[str, FragmentDefinitionNode]:
    fragments: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(FRAGMENTS_DIR.glob("*.graphql")):
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


@cache
def subscription_query(stem: str) -> str:
    """The complete document for `webhooks/<stem>.graphql`, fragments appended."""
    document = parse((WEBHOOKS_DIR / f"{stem}.graphql").read_text())
    fragments = _fragments()
    needed: set[str] = set()
    pending = _spreads(document)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in fragments:
            raise KeyError(f"{stem}.graphql uses fragment {name} that no file in fragments/ defines")
        needed.add(name)
        pending |= _spreads(fragments[name])
    parts = [print_ast(document)] + [print_ast(fragments[name]) for name in sorted(needed)]
    return "\n\n".join(parts) + "\n"


def subscription_stems() -> list[str]:
    return sorted(path.stem for path in WEBHOOKS_DIR.glob("*.graphql"))
