"""How the fake Saleor says no: top-level GraphQL errors, mutation errors as Saleor words them, and the
error `complete_checkout` raises."""

from __future__ import annotations

from typing import Any


class CheckoutCompleteError(Exception):
    """`checkoutComplete` answered with errors (e.g. VOUCHER_NOT_APPLICABLE for a code used up meanwhile)."""

    def __init__(self, code: str, field_name: str | None, message: str) -> None:
        super().__init__(f"{code} on {field_name}: {message}")
        self.code = code
        self.field = field_name
        self.message = message

    @property
    def error(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "message": self.message}


class GraphQLFieldError(Exception):
    """A top-level GraphQL error: the root field answers null and the message goes to `errors`."""

    def __init__(self, field_name: str, message: str, code: str = "GraphQLError") -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.code = code

    def as_error(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "path": [self.field],
            "extensions": {"exception": {"code": self.code}},
        }


def _require_permission(as_app: bool, field_name: str, permission: str = "MANAGE_DISCOUNTS") -> None:
    # Saleor answers a missing permission with HTTP 200, the field null and a PermissionDenied error.
    if not as_app:
        raise GraphQLFieldError(
            field_name, f"You need one of the following permissions: {permission}", "PermissionDenied"
        )


def _promo_code_error(code: str, message: str, field_name: str | None = "promoCode") -> dict[str, Any]:
    return {"field": field_name, "code": code, "message": message}


def _not_found(node_id: str, field_name: str = "id") -> dict[str, Any]:
    return {"field": field_name, "code": "NOT_FOUND", "message": f"Couldn't resolve to a node: {node_id}"}
