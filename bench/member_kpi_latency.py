"""Signs in to a running `serve` as a member and prints the median latency in milliseconds of
20 loads of their KPI page (their own figures and the non-member baseline for a year), after one
warm-up load. Usage: member_kpi_latency.py PORT EMAIL PASSWORD FROM TO"""
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

port, email, password, first, last = sys.argv[1:6]
base = f"http://127.0.0.1:{port}"
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
for _ in range(100):
    try:
        opener.open(f"{base}/healthz", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
page = opener.open(f"{base}/login").read().decode()
token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"csrf_token": token, "next": "/", "email": email, "password": password}).encode()
opener.open(f"{base}/login", data=form).read()
url = f"{base}/kpis?from={first}&to={last}"


def load():
    started = time.perf_counter()
    body = opener.open(url, timeout=120).read()
    assert b"<table" in body, body[:300]
    return (time.perf_counter() - started) * 1000


load()
print(f"{statistics.median(load() for _ in range(20)):.1f}")
