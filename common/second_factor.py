"""Whether a signed-in person also gave their second factor in this session (django-otp's OTPMiddleware)."""


def second_factor_verified(user) -> bool:
    """True only for a session verified with one of the user's devices (the admin's sign-in asks for the code).

    Money actions (refunds, stopping monthly gifts, exports) and staff's reading of every organization's report check
    this themselves, so they hold even where a page is reachable without the admin site's own check."""
    is_verified = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and callable(is_verified) and is_verified())
