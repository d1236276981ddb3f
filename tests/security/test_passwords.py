"""Passwords go through Django's validators: weak ones are refused wherever a password is set."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory


def test_all_four_validators_are_on_with_at_least_twelve_characters():
    names = {type(validator).__name__: validator for validator in get_default_password_validators()}
    assert set(names) == {"UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
                          "NumericPasswordValidator"}
    assert names["MinimumLengthValidator"].min_length >= 12


@pytest.mark.parametrize(("password", "message"), [
    ("password1234", "This password is too common."),
    ("short-pw", "This password is too short. It must contain at least 12 characters."),
    ("314159265358979", "This password is entirely numeric."),
    ("ava.submitter1", "The password is too similar to the username."),
])
def test_a_weak_password_is_refused(db, password, message):
    user = UserFactory(username="ava.submitter")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert message in refused.value.messages


def test_a_strong_password_passes(db):
    validate_password("correct horse battery staple", UserFactory(username="ava.submitter"))


def test_the_admins_set_password_form_refuses_a_weak_password(db):
    user = UserFactory(username="ben.submitter")
    form = SetPasswordForm(user, {"new_password1": "password", "new_password2": "password"})
    assert not form.is_valid()
    assert "This password is too common." in form.errors["new_password2"]
