"""The REST API, version 1: /api/v1/ (OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs)."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from cocreate.http import PROBLEM_TYPE

from . import catalog, ideas, problems, staff
from .schemas import Problem

# Every operation may answer these, each as a problem (api/problems.py).
ERRORS = {
    400: "Malformed body (not JSON, not UTF-8, not an object)",
    401: "No credentials where they are needed, or a bad token",
    403: "The token's scopes or the member's roles do not allow it",
    404: "No such object, or one the caller may not see",
    409: "The object's state refuses it (e.g. voting closed)",
    413: "The body is over the limit",
    422: "Invalid input; `errors` says which field",
    429: "Too many requests; see Retry-After",
}


class CocreateAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """django-ninja's schema, with the problems every operation may answer (and their media type)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        reference = {"$ref": "#/components/schemas/Problem"}
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERRORS.items():
                    responses.setdefault(
                        str(status),
                        {"description": description, "content": {PROBLEM_TYPE: {"schema": reference}}},
                    )
        return schema


api = CocreateAPI(
    title="Cocreate API",
    version="1",
    urls_namespace="api-v1",
    description="Ideas, votes and comments of the Cocreate community. Authenticate with a personal "
    "access token (`Authorization: Bearer cc_…`, made under /members/me/tokens/) or, in the browser, "
    "with your session.",
    docs=Swagger(settings={"persistAuthorization": False}),
    parser=problems.StrictJSONParser(),
)
problems.install(api)
api.add_router("/", ideas.router)
api.add_router("/", catalog.router)
api.add_router("/", staff.router)
