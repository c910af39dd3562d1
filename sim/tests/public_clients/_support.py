"""What the drivers share: the simulator's address, plain HTTP calls, the checkpoint handshake
with the Rust test (sim/tests/public_clients.rs), and failing with the request and the answer.

The environment names the simulator: QUALYS_SIM_URL (http://127.0.0.1:PORT, no trailing slash),
QUALYS_SIM_USER, QUALYS_SIM_PASSWORD. Checkpoints are JSON lines on the process's real stdout;
everything else a driver or a client prints goes to stderr.
"""

import base64
import json
import os
import sys
import urllib.error
import urllib.request

BASE = os.environ["QUALYS_SIM_URL"].rstrip("/")
USER = os.environ["QUALYS_SIM_USER"]
PASSWORD = os.environ["QUALYS_SIM_PASSWORD"]

# Checkpoints own stdout; the clients' own prints (qualysdk prints progress) go to stderr.
_CHANNEL = sys.stdout
sys.stdout = sys.stderr


class Refused(Exception):
    """A call the simulator answered with an error, or with an answer the client cannot read."""


def refuse(what, request, answer):
    raise Refused(f"{what}\n--- request ---\n{request}\n--- answer ---\n{answer}")


def basic_auth():
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return "Basic " + token


def http(method, path, body=None, headers=None):
    """One call to the simulator: (status, content type, body text); never raises for a status."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def describe(method, path, headers, body):
    shown = {k: ("<basic auth>" if k.lower() == "authorization" else v) for k, v in (headers or {}).items()}
    return f"{method} {path}\n{json.dumps(shown)}\n{body if body is not None else ''}"


def checkpoint(kind, connector, expect=None):
    """Asks the Rust test to check the simulator's store now: `present` (the connector, by QPS
    id or CloudView UUID, exists and its fields equal `expect`) or `gone`. Waits for its word."""
    line = {"checkpoint": kind, "connector": str(connector)}
    if expect:
        line["expect"] = expect
    _CHANNEL.write(json.dumps(line) + "\n")
    _CHANNEL.flush()
    answer = sys.stdin.readline().strip()
    if answer != "ok":
        raise Refused(f"the test's check of {line} failed: {answer or 'no answer'}")


def admin(method, path, body=None):
    """The simulator's admin API (test fixtures only: no client under test calls it)."""
    status, _, text = http(method, "/_sim/" + path, json.dumps(body) if body is not None else None,
                           {"Content-Type": "application/json"})
    if status >= 300:
        raise Refused(f"admin {method} {path}: {status} {text}")
    return json.loads(text) if text else None


def run(main):
    """Runs a driver's main; any failure exits 1 with its story on stderr."""
    try:
        main()
    except Refused as e:
        print(f"REFUSED: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # a client raising on an answer it cannot take is a refusal too
        import traceback

        traceback.print_exc()
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    print("driver done", file=sys.stderr)
