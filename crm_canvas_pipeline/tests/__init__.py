from . import test_setup
from . import test_canvas_board
