"""Account rules for allauth: nobody signs themselves up; a manager or `marsad user add` adds people."""

from allauth.account.adapter import DefaultAccountAdapter


class NoSignupAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
