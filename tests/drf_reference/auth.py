"""Token authentication and page/limit pagination, as the seed's API settings have them."""

from rest_framework import authentication, exceptions, pagination

# Token key -> user, filled by the test with the app's own token.
TOKENS: dict[str, object] = {}


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user = TOKENS.get(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return (user, key)


class Pagination(pagination.PageNumberPagination):
    page_size = 10
    page_size_query_param = "limit"
    max_page_size = 100
