"""``odoo-bin -u MODULE --stop-after-init`` in this process. Prints, on its
last line, the CPU milliseconds this process spent reloading
crm_canvas_pipeline itself and the queries of that reload (0 0 when it is
not installed), then the number of SQL queries the whole process ran."""

import logging
import sys
import time

import odoo.cli
import odoo.sql_db

OWN_MODULE = "crm_canvas_pipeline"


class OwnReload(logging.Handler):
    """Odoo logs "Loading module X" and "Module X loaded in ..., N queries"
    around each module it loads: the CPU time between the two for this
    module, and its queries."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.started = None
        self.cpu_ms = 0.0
        self.queries = 0

    def emit(self, record):
        if not record.args or record.args[0] != OWN_MODULE:
            return
        if record.msg.startswith("Loading module"):
            self.started = time.process_time()
        elif record.msg.startswith("Module %s loaded") and self.started is not None:
            self.cpu_ms += (time.process_time() - self.started) * 1000
            self.queries += record.args[3]
            self.started = None


def main():
    own = OwnReload()
    logging.getLogger("odoo.modules.loading").addHandler(own)
    args = [
        *sys.argv[1:],
        "--stop-after-init",
        "--log-level=warn",
        # the two lines OwnReload reads; stderr, where they also go, is not shown
        "--log-handler=odoo.modules.loading:DEBUG",
        "--http-port=0",
        "--no-http",
    ]
    sys.argv = [sys.argv[0], *args]
    try:
        odoo.cli.main()
    except SystemExit as exit_:
        if exit_.code:
            raise
    print(round(own.cpu_ms), own.queries, odoo.sql_db.sql_counter)


if __name__ == "__main__":
    main()
