"""The GraphQL plumbing: every document is parsed and validated against Saleor's real schema (and its
variables coerced) before anything answers it; a handler's whole objects are then cut down to the fields
the document selected, under their aliases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    build_schema,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import value_from_ast_untyped

from tests.fake_saleor.errors import GraphQLFieldError
from tests.saleor_fixtures import schema_path

if TYPE_CHECKING:
    from tests.fake_saleor.saleor import FakeSaleor

# Handlers get the root field's arguments (variables substituted) and whether the app token was used.
GraphQLHandler = Callable[["FakeSaleor", dict[str, Any], bool], dict[str, Any]]


@cache
def load_schema(path: Path) -> GraphQLSchema:
    return build_schema(path.read_text())


@dataclass(frozen=True)
class Operation:
    """A request's document, its operation and the variables as they were sent."""

    document: DocumentNode
    definition: OperationDefinitionNode
    variables: dict[str, Any]

    @property
    def name(self) -> str:
        return self.definition.name.value if self.definition.name else "<anonymous>"


def parse_operation(body: dict[str, Any]) -> tuple[Operation, list[str]]:
    """The request's operation and what is wrong with it against the schema ([] when it is valid)."""
    document = parse(body["query"])
    definition = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    variables = body.get("variables") or {}
    schema = load_schema(schema_path())
    errors = validate(schema, document)
    if not errors:
        coerced = get_variable_values(schema, definition.variable_definitions or [], variables)
        errors = coerced if isinstance(coerced, list) else []
    return Operation(document, definition, variables), [e.message for e in errors]


def execute(fake: FakeSaleor, handler: GraphQLHandler, operation: Operation, as_app: bool) -> dict[str, Any]:
    """The answer's body: the handler's objects cut down to what the document selected, or the root field
    null and a top-level error."""
    arguments = _root_arguments(operation.definition, operation.variables)
    try:
        data = handler(fake, arguments, as_app)
    except GraphQLFieldError as exc:
        return {"data": {exc.field: None}, "errors": [exc.as_error()]}
    fragments = _fragments(operation.document.definitions)
    return {"data": _select(data, operation.definition.selection_set, fragments)}


def _root_arguments(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The first root field's arguments with the variables put in (literals such as `first: 100` too);
    arguments given an absent variable are left out, as GraphQL does."""
    root = next(s for s in operation.selection_set.selections if isinstance(s, FieldNode))
    values = {
        argument.name.value: value_from_ast_untyped(argument.value, variables)
        for argument in root.arguments or ()
    }
    return {name: value for name, value in values.items() if value is not Undefined}


def _fragments(definitions: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


def _select(
    value: Any, selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Any:
    """Keep what the document selected, under its aliases, as a GraphQL server answers; a field the
    handler did not render stays out (so a test notices the fake lacks it)."""
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [_select(item, selection_set, fragments) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            if node.name.value in value:
                key = node.alias.value if node.alias else node.name.value
                result[key] = _select(value[node.name.value], node.selection_set, fragments)
        elif isinstance(node, InlineFragmentNode):
            result.update(_select(value, node.selection_set, fragments))
        elif isinstance(node, FragmentSpreadNode):
            result.update(_select(value, fragments[node.name.value].selection_set, fragments))
    return result
