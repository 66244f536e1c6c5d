"""Rate limits and error logging under `serve --prod` (gunicorn), over real HTTP: the client
address behind a trusted proxy, and a spoofed X-Forwarded-For from a direct client."""

from test_production import request

from dailypapers.site.serving import start_server, stop_server

LIMITED = {"DAILYPAPERS_API_RATE_PER_IP": "3"}


def statuses(base: str, forwarded_for: str | None, count: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [request("GET", base + "/api/daily_papers", headers=headers)[0] for _ in range(count)]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(deployment):
    site = deployment()
    site.cli("migrate", "-v0")
    with site.serve(workers=2, DAILYPAPERS_TRUSTED_PROXIES="127.0.0.1", **LIMITED) as base:
        # What nginx sends: whatever the client claimed, then the address it saw.
        assert statuses(base, "10.9.9.9, 198.51.100.1", 4) == [200, 200, 200, 429]
        assert statuses(base, "198.51.100.2", 3) == [200, 200, 200]
        assert statuses(base, "10.9.9.8, 198.51.100.1", 1) == [429]  # the spoofed part is ignored


def test_a_direct_client_cannot_spoof_its_address(deployment):
    site = deployment()
    site.cli("migrate", "-v0")
    with site.serve(workers=2, **LIMITED) as base:  # no trusted proxies: REMOTE_ADDR is the client
        spoofed = [statuses(base, f"198.51.100.{n}", 1)[0] for n in range(1, 9)]
        # Three allowed per minute whatever the header claims (twice three if a minute ends).
        assert spoofed.count(200) <= 6 and 429 in spoofed, spoofed


def test_every_unhandled_exception_is_logged_once(deployment):
    site = deployment()
    site.cli("migrate", "-v0")
    # A 500 on every request, whatever the worker: the table the API limiter writes is gone.
    site.sql_write("DROP TABLE accounts_ratecounter")
    log = site.home / "gunicorn.log"
    with open(log, "wb") as stderr:
        server, base = start_server(site.env(), workers=4, ready_path="/about", log=stderr)
        try:
            for _ in range(4):
                status, page, _ = request("GET", base + "/api/daily_papers")
                assert status == 500 and "Traceback" not in page
        finally:
            stop_server(server)
    text = log.read_text()
    # Once each: one header line, the traceback right after it.
    assert text.count("Internal Server Error: /api/daily_papers") == 4, text
    assert text.count("Internal Server Error: /api/daily_papers\nTraceback (most recent") == 4
