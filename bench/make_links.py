#!/usr/bin/env python3
"""Makes N users, an install link for each, and reads each page's CSRF token: prints
"<path> <csrf>" lines, so that every install POST is a fresh installation.
Usage: make_links.py BASE_URL API_KEY INTEGRATION_ID N"""
import http.client, re, sys, threading, urllib.parse

base, key, integration, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
host = urllib.parse.urlparse(base).netloc
out, lock = [], threading.Lock()

def worker(wid, count):
    conn = http.client.HTTPConnection(host)
    for i in range(count):
        conn.request("POST", "/users", body=f'{{"username":"link-user-{wid}-{i}"}}',
                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        user = re.search(r'"userId":"([^"]+)"', conn.getresponse().read().decode()).group(1)
        conn.request("GET", f"/users/{user}/integrations/{integration}/install-url",
                     headers={"Authorization": f"Bearer {key}"})
        r = conn.getresponse(); body = r.read().decode()
        path = urllib.parse.urlparse(re.search(r'"url":"([^"]+)"', body).group(1)).path
        conn.request("GET", path); page = conn.getresponse().read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        with lock:
            out.append(f"{path} {csrf}")

threads = [threading.Thread(target=worker, args=(i, n // 16 + (1 if i < n % 16 else 0),)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(out))
