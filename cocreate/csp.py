"""django-csp's middleware, giving JSON answers the fixed policy OWASP recommends for APIs.

A browser applies a Content-Security-Policy to documents only; a JSON answer (a vote's new count, an
API call) is never one, so the page policy (settings.CONTENT_SECURITY_POLICY) means nothing on it.
What does matter is that nothing frames it and that, opened directly, it can load nothing:
`default-src 'none'; frame-ancestors 'none'`, stricter than the page policy and a constant. django-csp
builds its header anew for every answer (twice: the policy and the report-only one), about a tenth of
a vote's CPU (bench/RESULTS.md); a constant costs nothing. HTML and everything else, and any answer a
view has given a policy of its own, go through django-csp unchanged.
"""

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# What a view sets on an answer to tailor or lift its policy (csp.decorators).
_TAILORED = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request, response):
        if not _is_plain_json(response):
            return super().process_response(request, response)
        excluded = tuple(settings.CONTENT_SECURITY_POLICY.get("EXCLUDE_URL_PREFIXES") or ())
        if HEADER not in response and not request.path_info.startswith(excluded):
            response[HEADER] = API_POLICY
        if getattr(request, "_csp_nonce", None) is None:  # as django-csp: no nonce once the header is out
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _is_plain_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json") and not any(
        hasattr(response, name) for name in _TAILORED
    )
