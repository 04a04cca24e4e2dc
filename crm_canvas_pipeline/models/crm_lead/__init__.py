# crm.lead, one file per concern. Each file is an `_inherit = "crm.lead"`
# class with its fields, computes, checks and its slice of create/write.
#
# The order below is the order in which the overrides wrap each other: a file
# imported later wraps the ones before it, so its `write` validates first and
# its after-effects run last (a file is imported after those it imports from,
# which would otherwise define their class first; test_setup checks the
# order). Read from the bottom up, a `write` goes:
#
#   stage_kind      checks the target stage (input, kind) before anyone reads it
#   stage_rules     required fields, next action, move rules; logs a bypass
#   stage_history   remembers the stages; writes a stay per move at the end
#   lost_archive    (stock's _handle_won_lost, inside the write) loss rows
#   privacy         only forgetting stamps a lead forgotten
#   retarget        (no write) a lost prospect brought back, one path for all
#   opt_out         (no write) who the re-target pool leaves out, and why
#   contact_policy  the who-may rule; then blacklists, or logs a lift
#   rotting, next_action_state, next_action, customer, tags
#   promotion       initiatives entering the pipeline get their type with the
#                   very write of stock (as stock writes won records apart)
#   similar         (no write) what an initiative resembles: its card, its promotion
#
# and stock's write runs once per record, in the middle.
from . import similar
from . import promotion
from . import tags
from . import customer
from . import next_action
from . import next_action_state
from . import rotting
from . import contact_policy
from . import opt_out
from . import retarget
from . import privacy
from . import lost_archive
from . import stage_history
from . import stage_rules
from . import stage_kind
