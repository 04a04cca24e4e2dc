"""odoo-bin, except that the tests selected by --test-tags all run after every
installed module is loaded, at_install ones included.

Stock runs an addon's at_install tests while that addon is being installed,
before the modules that depend on it are loaded: Odoo's own crm tests would
never meet crm_canvas_pipeline. `make test-compat` runs them through this
wrapper on a database where the module is already installed, so each stock
test exercises the registry the users really get.

Usage: python odoo_tests_post_install.py <odoo-bin options>
"""

import sys

import odoo.cli
from odoo.tests import loader, tag_selector
from odoo.tests.suite import OdooSuite
from odoo.tools import config

_make_suite = loader.make_suite


def make_suite(module_names, position="at_install"):
    if position != "post_install":
        # Odoo 19 also runs at_install tests while loading an existing
        # database, each addon's before its dependents are set up: skip that
        # pass, they all run below.
        return OdooSuite([])
    selector = tag_selector.TagsSelector(config["test_tags"])
    tests = (
        test
        for module_name in module_names
        for module in loader.get_test_modules(module_name)
        for test in loader.get_module_test_cases(module)
        if selector.check(test)
    )
    return OdooSuite(sorted(tests, key=lambda t: getattr(t, "test_sequence", 0)))


loader.make_suite = make_suite

if __name__ == "__main__":
    sys.argv = [sys.argv[0], *sys.argv[1:]]
    odoo.cli.main()
