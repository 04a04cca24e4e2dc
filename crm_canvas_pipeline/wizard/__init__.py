from . import crm_lead_lost
from . import crm_lead_reactivate
