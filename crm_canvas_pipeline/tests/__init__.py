from . import test_setup
