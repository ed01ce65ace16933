"""`make saleor-client`: generate Lojal's typed Saleor code with ariadne-codegen (Mirumee's generator).

- `app/saleor/generated/`: the client, one typed method per document in `app/saleor/graphql/`, on our
  base client (`app/saleor/base_client.py`, which sends through gql with our timeouts and retries);
- `webhooks/generated/`: pydantic models of what our webhook subscriptions deliver, one per fragment in
  `webhooks/fragments/`.

Both come from `app/saleor/schema.graphql`. `--check` (run by `make test`) regenerates into a temporary
directory and fails when the committed code differs, so a changed document or schema cannot go unnoticed.
"""

from __future__ import annotations

import ast
import contextlib
import filecmp
import io
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ariadne_codegen.main import client, models_only
from ariadne_codegen.plugins.base import Plugin
from graphql import ExecutableDefinitionNode, FieldNode, FragmentDefinitionNode, GraphQLEnumType

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "app/saleor/schema.graphql"
PACKAGE = "generated"

# Saleor's custom scalars as Lojal reads them. GraphQL's Float (all money amounts) becomes Decimal
# through SaleorAnswers below: ariadne-codegen maps built-in scalars itself.
SCALARS: dict[str, dict[str, str]] = {
    "DateTime": {"type": "datetime.datetime"},
    "Date": {"type": "datetime.date"},
    "Decimal": {"type": "decimal.Decimal"},
    "PositiveDecimal": {"type": "decimal.Decimal"},
    "PositiveInt": {"type": "int"},
    "UUID": {"type": "str"},
    "JSONString": {"type": "str"},
}
COMMON: dict[str, Any] = {
    "schema_path": SCHEMA,
    "target_package_name": PACKAGE,
    "include_all_inputs": False,
    "include_all_enums": False,
    "include_comments": "stable",
    # A nullable field Saleor leaves out means the same as null.
    "default_optional_fields_to_none": True,
    "scalars": SCALARS,
}


class SaleorAnswers(Plugin):
    """How Lojal types what Saleor answers and delivers:

    - money never passes through a float: every GraphQL Float is typed Decimal (the transport and the
      webhook receivers parse JSON numbers as Decimals, so the values stay exact);
    - an enum value is a plain string: Saleor adds values between releases (order statuses, error
      codes), and one Lojal does not know yet must not make an answer or a delivery unreadable.
    """

    def generate_result_field(
        self,
        field_implementation: ast.AnnAssign,
        operation_definition: ExecutableDefinitionNode,
        field: FieldNode,
    ) -> ast.AnnAssign:
        for node in ast.walk(field_implementation.annotation):
            if isinstance(node, ast.Name) and node.id == "float":
                node.id = "Decimal"
            elif isinstance(node, ast.Name) and isinstance(
                self.schema.type_map.get(node.id), GraphQLEnumType
            ):
                node.id = "str"
        return field_implementation

    def generate_result_types_module(
        self, module: ast.Module, operation_definition: ExecutableDefinitionNode
    ) -> ast.Module:
        return _import_decimal(module)

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        return _import_decimal(module)


def _import_decimal(module: ast.Module) -> ast.Module:
    uses = any(isinstance(node, ast.Name) and node.id == "Decimal" for node in ast.walk(module))
    if uses:
        module.body.insert(0, ast.ImportFrom(module="decimal", names=[ast.alias(name="Decimal")], level=0))
    return module


PLUGIN = "tools.saleor_codegen.SaleorAnswers"
TARGETS: dict[str, tuple[str, dict[str, Any]]] = {
    "app/saleor": (
        "client",
        {
            **COMMON,
            "queries_path": "app/saleor/graphql",
            "client_name": "SaleorClient",
            "base_client_name": "SaleorBaseClient",
            "base_client_file_path": "app/saleor/base_client.py",
            "async_client": True,
            "plugins": ["ariadne_codegen.contrib.shorter_results.ShorterResultsPlugin", PLUGIN],
        },
    ),
    "webhooks": ("models", {**COMMON, "queries_path": "webhooks/fragments", "plugins": [PLUGIN]}),
}


def generate(into: Path) -> None:
    """Generate every target under `into` (the repository root, or a scratch copy of its layout)."""
    for location, (strategy, settings) in TARGETS.items():
        target = into / location
        target.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target / PACKAGE, ignore_errors=True)
        config = {"tool": {"ariadne-codegen": {**settings, "target_package_path": str(target)}}}
        (client if strategy == "client" else models_only)(config)


def _differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"{name} is only in one of them" for name in comparison.left_only + comparison.right_only]
    found += [name for name in comparison.diff_files]
    return found


def main(argv: list[str]) -> int:
    # ariadne-codegen warns about every deprecated field in Saleor's schema; those are Saleor's notes.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="ariadne_codegen")
    os.chdir(ROOT)  # paths in the settings (and in the generated comments) are relative to the root
    if "--check" not in argv:
        generate(ROOT)
        return 0
    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()):
        generate(Path(scratch))
        stale = [
            f"{location}/{PACKAGE}/{name}"
            for location in TARGETS
            for name in _differences(ROOT / location / PACKAGE, Path(scratch) / location / PACKAGE)
        ]
    if stale:
        print("generated Saleor code is stale; run `make saleor-client` and commit:", *stale, sep="\n  ")
        return 1
    print("generated Saleor code is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
