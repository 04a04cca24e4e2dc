from . import test_setup
from . import test_canvas_board
from . import test_lost_archive
from . import test_stage_rules
from . import test_next_action
from . import test_tags
from . import test_performance
