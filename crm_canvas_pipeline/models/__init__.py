from . import crm_team
from . import crm_stage
from . import crm_lead
