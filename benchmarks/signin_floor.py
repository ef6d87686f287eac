"""The floor for benchmarks/signin.py: the cheapest Flask view a sign-in could be.

`python benchmarks/signin_floor.py PORT [THREADS]` serves one route with the URL shape of the
sign-in API on waitress, as `dianjiao serve` does: it parses the JSON body and answers 201 with a
small JSON object, with no database, no login and no checks. signin.py runs it with the same
clients and requests as the real sign-in, so the gap between the two is what the sign-in itself
costs on this machine, in this run.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, jsonify, request
from waitress import serve

app = Flask(__name__)


@app.post("/api/v1/screenings/<screening_id>/attendance")
def sign_in(screening_id: str):
    body = request.get_json()
    return jsonify({"id": body.get("person_id"), "screening_id": screening_id,
                    "status": "present"}), 201


if __name__ == "__main__":
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" on every burst
    serve(app, host="127.0.0.1", port=int(sys.argv[1]),
          threads=int(sys.argv[2]) if len(sys.argv) > 2 else 8, ident="floor")
