"""Logging filters named in settings.LOGGING."""

import logging
import threading
import time


class Throttle(logging.Filter):
    """Lets one record of each message through per `seconds`, per logger, and says on the next one
    let through how many were held back meanwhile.

    For libraries that log the same failure in a tight loop while a dependency is down: channels_redis'
    receive loop logs a traceback every second per process for as long as Redis is unreachable, which
    buried the few lines that say what happened (the breaker opening, the refused sockets)."""

    def __init__(self, seconds: float = 60.0):
        super().__init__()
        self.seconds = seconds
        self._last: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last, held = self._last.get(key, (float("-inf"), 0))
            if now - last < self.seconds:
                self._last[key] = (last, held + 1)
                return False
            self._last[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self.seconds:.0f} s)"
        return True
