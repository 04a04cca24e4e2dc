from . import test_setup
from . import test_canvas_board
from . import test_lost_archive
from . import test_stage_rules
from . import test_stage_history
from . import test_won_customer
from . import test_stage_report
from . import test_history_backfill
