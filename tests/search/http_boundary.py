"""The Elasticsearch client's HTTP boundary in tests: its transport gets a node class that records each
request and answers it from a function the test gives. No server of any kind runs; the tests read what
the backend sent (methods, paths, bodies)."""

import json
import typing
from dataclasses import dataclass, field

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elasticsearch import Elasticsearch

# What a node's perform_request returns, as elastic-transport documents it ("Return type:
# NodeApiResponse"); the package exports it from a private module only, so it is taken from the signature.
NodeApiResponse = typing.get_type_hints(BaseNode.perform_request)["return"]


@dataclass
class Request:
    method: str
    path: str
    body: dict | None


@dataclass
class Boundary:
    """`answer(method, path) -> (status, body)`; `requests` in the order the client sent them."""

    answer: object = lambda method, path: (200, {"acknowledged": True})
    requests: list[Request] = field(default_factory=list)

    def client(self) -> Elasticsearch:
        boundary = self

        class RecordingNode(BaseNode):
            def perform_request(self, method, target, body=None, headers=None, request_timeout=None):
                path = target.split("?")[0]
                boundary.requests.append(Request(method, path, json.loads(body) if body else None))
                status, answer = boundary.answer(method, path)
                # The client refuses answers without the product header its servers send.
                headers = HttpHeaders(
                    {"content-type": "application/json", "x-elastic-product": "Elasticsearch"}
                )
                meta = ApiResponseMeta(
                    status=status, http_version="1.1", headers=headers, duration=0.0, node=self.config
                )
                return NodeApiResponse(meta, json.dumps(answer).encode())

        # A host that cannot resolve: nothing leaves the process even if the node class were ignored.
        return Elasticsearch("http://search.invalid:9200", node_class=RecordingNode, retry_on_status=())
