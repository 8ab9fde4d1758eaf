"""Form decoding and parameter validation, answering errors the way Stripe words them.

The SDK sends nested parameters as bracketed keys (``line_items[0][price_data][currency]=usd``,
``metadata[pledge]=42``, ``expand[0]=payment_intent``). ``decode`` turns them into nested dicts; a schema then
checks every key (unknown ones are refused, as Stripe does) and converts the values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Validator = Callable[[Any, str], Any]
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ApiError(Exception):
    """An error answered in Stripe's format: ``{"error": {...}}`` with an HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        saved: bool = True,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.saved = saved  # whether an idempotency key remembers this answer (Stripe skips failed validation)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error.update(self.extra)
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(message, param=param, code=code, saved=False)


def not_found(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(f"No such {kind}: '{object_id}'", status=404, param=param, code="resource_missing")


def decode(raw: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Decode a form or query string into nested dicts; also return the flat pairs (for idempotency checks)."""
    pairs = parse_qsl(raw, keep_blank_values=True)
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        rest = key[len(head) :]
        parts = [head, *_SEGMENT.findall(rest)]
        if not head or "".join(f"[{p}]" for p in parts[1:]) != rest:
            raise invalid(f"Invalid parameter name: {key}", param=key)
        _place(root, parts, value, key)
    return root, pairs


def _place(node: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    for i, part in enumerate(parts):
        if part == "":  # ``expand[]=x`` appends
            part = str(len(node))
        last = i == len(parts) - 1
        if last:
            if isinstance(node.get(part), dict):
                raise invalid(f"Invalid parameter: {key} is both a value and a hash", param=key)
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise invalid(f"Invalid parameter: {key} is both a value and a hash", param=key)
        node = child


def refuse_unmodelled(params: dict[str, Any], unmodelled: list[str] | tuple[str, ...]) -> None:
    """Parameters Stripe's API accepts that the sandbox does not model: a clear 400, never "unknown parameter"."""
    for key in params:
        if key in unmodelled:
            raise invalid(
                f"`{key}` is a valid parameter for Stripe's API, but the local sandbox does not model it (see the "
                "README's 'What the sandbox does not model').",
                key,
            )


def name(path: str, key: str) -> str:
    return f"{path}[{key}]" if path else key


def validate(params: Any, schema: dict[str, Validator], path: str = "", required: tuple[str, ...] = ()) -> dict:
    """Check a hash against a schema: unknown keys and missing required keys are errors; values are converted."""
    if not isinstance(params, dict):
        raise invalid(f"Invalid hash: {path}", param=path)
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key not in schema:
            raise invalid(
                f"Received unknown parameter: {name(path, key)}", param=name(path, key), code="parameter_unknown"
            )
        converted = schema[key](value, name(path, key))
        if converted is not None:
            out[key] = converted
    for key in required:
        if key not in out:
            raise invalid(
                f"Missing required param: {name(path, key)}.", param=name(path, key), code="parameter_missing"
            )
    return out


def require(out: dict[str, Any], key: str, path: str = "") -> None:
    if key not in out:
        raise invalid(f"Missing required param: {name(path, key)}.", param=name(path, key), code="parameter_missing")


def _scalar(value: Any, path: str) -> str:
    if isinstance(value, dict):
        raise invalid(f"Invalid string: {path} must be a string, not a hash", param=path)
    if value == "":
        raise invalid(
            f"You passed an empty string for '{path}'. We assume empty values are an attempt to unset a parameter; "
            f"however '{path}' cannot be unset. You should remove '{path}' from your request or supply a non-empty "
            "value.",
            param=path,
            code="parameter_invalid_empty",
        )
    return value


def string(max_length: int = 5000) -> Validator:
    def check(value: Any, path: str) -> str:
        value = _scalar(value, path)
        if len(value) > max_length:
            raise invalid(f"Invalid string: {value[:20]}...; must be at most {max_length} characters", param=path)
        return value

    return check


def integer(minimum: int | None = None, maximum: int | None = None) -> Validator:
    def check(value: Any, path: str) -> int:
        value = _scalar(value, path)
        if not re.fullmatch(r"-?\d{1,18}", value):
            raise invalid(f"Invalid integer: {value}", param=path, code="parameter_invalid_integer")
        number = int(value)
        if minimum is not None and number < minimum:
            word = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f"at least {minimum}"
            raise invalid(f"Invalid {word} integer", param=path, code="parameter_invalid_integer")
        if maximum is not None and number > maximum:
            raise invalid(f"This value must be less than or equal to {maximum}.", param=path)
        return number

    return check


def decimal(minimum: float, maximum: float) -> Validator:
    def check(value: Any, path: str) -> float:
        value = _scalar(value, path)
        if not re.fullmatch(r"\d+(\.\d+)?", value) or not minimum <= float(value) <= maximum:
            raise invalid(f"Invalid decimal: {value}; must be between {minimum:g} and {maximum:g}", param=path)
        return float(value)

    return check


def boolean(value: Any, path: str) -> bool:
    value = _scalar(value, path)
    if value not in ("true", "false"):
        raise invalid(f"Invalid boolean: {value}", param=path)
    return value == "true"


def enum(*choices: str) -> Validator:
    def check(value: Any, path: str) -> str:
        value = _scalar(value, path)
        if value not in choices:
            raise invalid(f"Invalid {path}: must be one of {', '.join(choices)}", param=path)
        return value

    return check


def url(value: Any, path: str) -> str:
    value = string(5000)(value, path)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("Not a valid URL", param=path, code="url_invalid")
    return value


def email(value: Any, path: str) -> str:
    value = string(800)(value, path)
    if not _EMAIL.match(value):
        raise invalid(f"Invalid email address: {value}", param=path, code="email_invalid")
    return value


def id_prefixed(*prefixes: str) -> Validator:
    def check(value: Any, path: str) -> str:
        value = string(5000)(value, path)
        if not value.startswith(prefixes):
            raise invalid(f"Invalid {path}: {value}", param=path)
        return value

    return check


def metadata(value: Any, path: str) -> dict[str, str]:
    """Stripe's rules: up to 50 keys, keys up to 40 characters, values up to 500; an empty value unsets the key."""
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid hash: {path}", param=path)
    if len(value) > 50:
        raise invalid("Invalid metadata: metadata can have up to 50 keys", param=path)
    out = {}
    for key, item in value.items():
        if isinstance(item, dict):
            raise invalid(f"Invalid value for {path}[{key}]: metadata values must be strings", param=f"{path}[{key}]")
        if len(key) > 40:
            raise invalid(f"Metadata keys can have up to 40 characters; '{key}' has {len(key)}.", param=path)
        if len(item) > 500:
            raise invalid(f"Metadata values can have up to 500 characters; '{key}' has {len(item)}.", param=path)
        if item != "":
            out[key] = item
    return out


def hash_of(schema: dict[str, Validator], required: tuple[str, ...] = ()) -> Validator:
    def check(value: Any, path: str) -> dict:
        return validate(value, schema, path, required)

    return check


def list_of(item: Validator, max_items: int = 100) -> Validator:
    def check(value: Any, path: str) -> list:
        if not isinstance(value, dict) or not all(k.isdigit() for k in value):
            raise invalid(f"Invalid array: {path}", param=path)
        if len(value) > max_items:
            raise invalid(f"{path} can have at most {max_items} items", param=path)
        return [item(value[k], f"{path}[{k}]") for k in sorted(value, key=int)]

    return check


EXPAND = list_of(string(5000), max_items=100)


def created_filter(value: Any, path: str) -> dict[str, int]:
    """``created=123`` or ``created[gte]=123`` (gt, gte, lt, lte)."""
    if isinstance(value, dict):
        return validate(value, {op: integer(0) for op in ("gt", "gte", "lt", "lte")}, path)
    return {"eq": integer(0)(value, path)}


def matches_created(created: int, bounds: dict[str, int]) -> bool:
    checks = {
        "eq": created == bounds.get("eq"),
        "gt": created > bounds.get("gt", 0),
        "gte": created >= bounds.get("gte", 0),
        "lt": created < bounds.get("lt", 0),
        "lte": created <= bounds.get("lte", 0),
    }
    return all(checks[op] for op in bounds)


LIST_PARAMS: dict[str, Validator] = {
    "limit": integer(1, 100),
    "starting_after": string(5000),
    "ending_before": string(5000),
    "created": created_filter,
    "expand": EXPAND,
}
