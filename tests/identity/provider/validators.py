"""The claims the provider puts in ID tokens and userinfo: the ones a corporate IdP sends."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    def get_additional_claims(self, request):
        user = request.user
        profile = getattr(user, "profile", None)
        return {
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": profile.email_verified if profile is not None else True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }
