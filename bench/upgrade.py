"""``odoo-bin -u MODULE --stop-after-init`` in this process; prints the number
of SQL queries it ran on its last line."""

import sys

import odoo.cli
import odoo.sql_db


def main():
    args = [*sys.argv[1:], "--stop-after-init", "--log-level=warn", "--http-port=0", "--no-http"]
    sys.argv = [sys.argv[0], *args]
    try:
        odoo.cli.main()
    except SystemExit as exit_:
        if exit_.code:
            raise
    print(odoo.sql_db.sql_counter)


if __name__ == "__main__":
    main()
