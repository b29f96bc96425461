#!/usr/bin/env python3
"""usher demo host app: a stand-in for YOUR web app, to see the frontend SDK end to end.

Python 3 standard library only. It plays the part of your backend:
  * at start, makes sure the demo end user and a "Magento" integration exist (API key);
  * GET /       the page with a "Connect Magento" button (loads {usher}/sdk/embedded.js);
  * GET /token  mints a short-lived JWT for the demo user from usher. Your real server
                does this after its own login check; the API key never reaches the browser.

    USHER_URL=http://127.0.0.1:8080 USHER_API_KEY=ush_dev_... python3 server.py

Open http://127.0.0.1:8000/ . usher must list this page's origin in sdk.allowed_origins
(see docs/sdk.md). Environment: USHER_URL, USHER_API_KEY (required), DEMO_PORT (8000),
DEMO_USER (demo@example.com).
"""

import http.server
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
USHER = os.environ.get("USHER_URL", "http://127.0.0.1:8080").rstrip("/")
API_KEY = os.environ.get("USHER_API_KEY", "")
PORT = int(os.environ.get("DEMO_PORT", "8000"))
USER = os.environ.get("DEMO_USER", "demo@example.com")

MAGENTO = {
    "app": "magento",
    "name": "Magento",
    "description": "Sync orders and customers from your Magento store.",
    "credentialFields": [
        {"name": "storeUrl", "displayName": "Store URL", "type": "url", "required": True, "secret": False},
        {"name": "apiKey", "displayName": "API key", "type": "password", "required": True, "secret": True},
    ],
    "workflows": [{"name": "Sync orders"}, {"name": "Sync customers"}],
}


def usher(method, path, body=None):
    """Calls the usher API with the API key; returns (status, JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(USHER + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + API_KEY)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def setup():
    status, body = usher("POST", "/users", {"username": USER, "fullName": "Demo User"})
    if status not in (200, 409):
        sys.exit(f"could not create the demo user: {status} {body}")
    status, body = usher("GET", "/integrations")
    if status != 200:
        sys.exit(f"could not list integrations: {status} {body}")
    for integration in body["data"]:
        if integration["app"] == "magento":
            return integration["integrationId"]
    status, body = usher("POST", "/integrations", MAGENTO)
    if status != 200:
        sys.exit(f"could not create the Magento integration: {status} {body}")
    return body["integrationId"]


class Handler(http.server.BaseHTTPRequestHandler):
    integration_id = ""

    def send(self, status, content_type, payload):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            with open(os.path.join(HERE, "index.html"), encoding="utf-8") as f:
                page = (
                    f.read()
                    .replace("__USHER__", USHER)
                    .replace("__TOKEN_URL__", "/token")
                    .replace("__INTEGRATION_ID__", self.integration_id)
                )
            self.send(200, "text/html; charset=utf-8", page.encode())
        elif path == "/token":
            # Your server decides who the user is (its own session) before minting.
            status, body = usher("GET", "/users/" + urllib.parse.quote(USER, safe="") + "/token")
            self.send(status, "application/json", json.dumps(body).encode())
        else:
            self.send(404, "text/plain", b"not found\n")

    def log_message(self, fmt, *args):  # keep tokens out of the terminal: log the path only
        sys.stderr.write("%s %s\n" % (self.command, urllib.parse.urlsplit(self.path).path))


def main():
    if not API_KEY:
        sys.exit("set USHER_API_KEY (make one with: usher keys create --env development)")
    Handler.integration_id = setup()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"demo host app on http://127.0.0.1:{PORT}/ (usher at {USHER}; allow this origin in sdk.allowed_origins)")
    server.serve_forever()


if __name__ == "__main__":
    main()
