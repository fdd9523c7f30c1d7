"""What the shared-worker tests (workers_test.py, workers_deploy_test.py)
share: sending events to whichever worker is up."""
import http.client
import time


def send_until_acknowledged(workers, rng, events, stats):
    """POSTs an array of events to random workers until one acknowledges them
    all (200 or 202). A worker that is down, drops the connection or answers
    503 (its store failed: nothing was kept) is replaced by another, counted
    in stats["retries"]; stats["duplicates"], when there, counts the events
    the store had already (a retry of ones kept before the failure). Any
    other answer fails the test. `workers` has `ports` and
    `request(i, method, path, body)`."""
    while True:
        i = rng.randrange(len(workers.ports))
        try:
            status, payload = workers.request(i, "POST", "/v1/events", events)
        except (OSError, http.client.HTTPException):
            stats["retries"] += 1
            time.sleep(0.05)
            continue
        if status in (200, 202):
            if "duplicates" in stats:
                stats["duplicates"] += sum(1 for r in payload["results"] if r["status"] == "duplicate")
            return
        if status == 503:
            stats["retries"] += 1
            time.sleep(0.05)
            continue
        raise AssertionError(f"HTTP {status} {payload}")
