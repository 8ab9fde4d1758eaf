"""Checkout Session parameters as the pinned API version has them (the stripe SDK's SessionCreateParams): the
sandbox accepts no parameter Stripe would not, names the ones it does not model, and its ``ui_mode`` values and
payment method types are the SDK's."""

from __future__ import annotations

import typing

import pytest
import stripe
from stripe._request_options import RequestOptions
from stripe.params._refund_create_params import RefundCreateParams
from stripe.params._subscription_cancel_params import SubscriptionCancelParams
from stripe.params.checkout._session_create_params import SessionCreateParams

from stripe_sandbox.billing import CANCEL, REFUND_CREATE, REFUND_UNMODELLED
from stripe_sandbox.checkout import METHOD_TYPES, SESSION_CREATE, UI_MODES, UNMODELLED
from stripe_sandbox.objects import DYNAMIC_CONFIGURATION

from .conftest import Api, payment_params


def _literal(hint: typing.Any) -> set[str]:
    """The Literal values inside a hint (``List[Union[Literal[...], str]]``, ``"Literal[...]|str"``)."""
    if isinstance(hint, typing.ForwardRef):
        hint = hint.__forward_arg__
    if isinstance(hint, str):
        hint = eval(hint, vars(typing))  # noqa: S307 - the SDK's own forward reference
    if typing.get_origin(hint) is typing.Literal:
        return set(typing.get_args(hint))
    return set().union(*(_literal(arg) for arg in typing.get_args(hint)))


SDK_PARAMS = SessionCreateParams.__annotations__


def test_the_sandbox_knows_every_parameter_of_the_pinned_version_and_invents_none() -> None:
    api_params = set(SDK_PARAMS) - set(RequestOptions.__annotations__)
    assert set(SESSION_CREATE) | set(UNMODELLED) == api_params
    assert not set(SESSION_CREATE) & set(UNMODELLED)
    assert "payment_method_types" not in api_params  # gone in this version: allowed_payment_method_types


@pytest.mark.parametrize(
    ("params", "accepted", "unmodelled"),
    [(RefundCreateParams, REFUND_CREATE, REFUND_UNMODELLED), (SubscriptionCancelParams, CANCEL, ())],
)
def test_refund_and_cancel_parameters_are_the_pinned_versions(params, accepted, unmodelled) -> None:
    assert set(accepted) | set(unmodelled) == set(params.__annotations__) - set(RequestOptions.__annotations__)


def test_ui_mode_and_payment_method_types_are_the_sdks() -> None:
    assert set(UI_MODES) == _literal(SDK_PARAMS["ui_mode"])
    assert set(METHOD_TYPES) <= _literal(SDK_PARAMS["allowed_payment_method_types"])
    assert stripe.api_version.startswith("2026-10-28")


def test_a_refund_parameter_the_sandbox_does_not_model_says_so(api: Api) -> None:
    response = api.post("refunds", {"charge": "ch_x", "instructions_email": "donor@example.org"})
    assert response.status_code == 400 and "does not model it" in response.json()["error"]["message"]


def test_dynamic_payment_methods_by_default(api: Api) -> None:
    session = api.ok("post", "checkout/sessions", payment_params(ui_mode="hosted_page"))
    assert session["ui_mode"] == "hosted_page" and session["payment_method_types"] == ["card"]
    assert session["payment_method_configuration_details"] == {"id": DYNAMIC_CONFIGURATION, "parent": None}
    explicit = api.ok("post", "checkout/sessions", payment_params(**{"allowed_payment_method_types[0]": "card"}))
    assert explicit["payment_method_types"] == ["card"] and explicit["payment_method_configuration_details"] is None


@pytest.mark.parametrize(
    ("param", "value", "says"),
    [
        ("payment_method_types[0]", "card", "Received unknown parameter: payment_method_types"),
        ("colour", "red", "Received unknown parameter: colour"),
        ("ui_mode", "hosted", "Invalid ui_mode: must be one of elements, embedded_page, form, hosted_page"),
        ("ui_mode", "embedded_page", "the local sandbox serves only the hosted page"),
        ("automatic_tax[enabled]", "true", "the local sandbox does not model it"),
    ],
)
def test_parameters_the_version_refuses_or_the_sandbox_does_not_model(api: Api, param, value, says) -> None:
    response = api.post("checkout/sessions", payment_params(**{param: value}))
    assert response.status_code == 400 and says in response.json()["error"]["message"]
