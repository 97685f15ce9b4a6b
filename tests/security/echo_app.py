"""A WSGI application that says what the web server handed it: served by `cms.serve` in
tests of what the site relies on the server for (a chunked body de-chunked and ended)."""

import json


def application(environ, start_response):
    body = environ["wsgi.input"].read() if environ.get("wsgi.input_terminated") else b""
    seen = {
        "content_length": environ.get("CONTENT_LENGTH"),
        "transfer_encoding": environ.get("HTTP_TRANSFER_ENCODING"),
        "input_terminated": environ.get("wsgi.input_terminated"),
        "body_length": len(body),
        "body_start": body[:20].decode("latin-1"),
    }
    answer = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [answer]
