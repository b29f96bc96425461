#!/usr/bin/env python3
"""Writes SmartLink login targets (path?query), one per line, for the load script.

usage: gen_links.py legacy|v2 new|returning APP_ID SECRET COUNT > file
  new:        every link names a different user (first sign-in, user created)
  returning:  links cycle over 100 users that the warm-up pass has created
v2 links get a unique nonce each and expire in 15 minutes.
"""
import hashlib, hmac, sys, time, uuid
from urllib.parse import quote

version, who, app_id, secret, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].encode(), int(sys.argv[5])
expires = int(time.time()) + 14 * 60
run = uuid.uuid4().hex[:8]
out = sys.stdout
for i in range(count):
    n = i if who == "new" else i % 100
    email = f"load-{run if who == 'new' else 'r'}-{n}@example.com"
    q = f"appId={app_id}&firstName=Load&surname=User{n}&username={quote(email, safe='')}"
    if version == "v2":
        q += f"&v=2&expires={expires}&nonce={uuid.uuid4().hex}"
        token = hmac.new(secret, q.encode(), hashlib.sha256).hexdigest()
    else:
        token = hashlib.sha1(secret + q.encode()).hexdigest()
    out.write(f"/signable/token/login?{q}&token={token}\n")
