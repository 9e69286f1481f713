"""Serving Rexian with gunicorn (a production server, unlike runserver)."""

import multiprocessing

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from rexian.wsgi import application

        return application


DEFAULT_THREADS = 4


def default_workers() -> int:
    return max(2, min(8, multiprocessing.cpu_count() * 2))


def serve(host: str, port: int, workers: int | None = None, threads: int | None = None) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            "threads": threads or DEFAULT_THREADS,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-",
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
            "preload_app": False,
        }
    ).run()
